// The application form's 申报行业: a <select> grouped by 大类 that works without JavaScript; with it, Tom Select
// (frontend/static/vendor/tom-select) turns it into a type-to-filter box (by code or name).
(function () {
  "use strict";
  function init() {
    if (typeof TomSelect === "undefined") return;
    document.querySelectorAll('select[data-picker="industry"]:not(:disabled)').forEach(function (select) {
      var lang = document.documentElement.lang || "";
      var english = lang.indexOf("en") === 0;
      // Tom Select points the <label> at its own input (the one combobox people use); the original select, hidden
      // and out of the tab order, keeps a name but leaves the accessibility tree.
      var label = select.id && document.querySelector('label[for="' + select.id + '"]');
      if (label) select.setAttribute("aria-label", label.textContent.replace(/\s+/g, " ").trim());
      select.setAttribute("aria-hidden", "true");
      new TomSelect(select, {
        maxOptions: null,
        allowEmptyOption: false,
        searchField: ["text", "optgroup"],
        placeholder: english ? "Type a code or name to filter" : "输入代码或名称筛选",
        render: {
          no_results: function () {
            return '<div class="no-results">' + (english ? "No matching industry" : "没有匹配的行业") + "</div>";
          },
        },
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
