// The selection page (/select/): progressive enhancement only; the page is a plain GET form.
// - Changing the sort order or page size submits the form (a normal navigation: URL and back button).
// - On a live snapshot (live.js dispatches "live:snapshot" on the row) the row is checked against
//   the page's filters (#sel-filters, the query's filters that a snapshot carries) and marked when
//   it no longer matches, or when it left the public catalogue; it is unmarked if it matches again.
//   The checks mirror search.query.ComputeQuery; free text and the line filters are not re-checked.
(function () {
  "use strict";

  function number(value) {
    return value === null || value === undefined || value === "" ? null : Number(value);
  }

  function atLeast(actual, wanted) {
    return actual !== null && !isNaN(actual) && actual >= Number(wanted);
  }

  // filter name -> check(record, wanted); undefined when the snapshot lacks the field
  var CHECKS = {
    resource_class: function (r, v) { return r.resource_class === undefined ? undefined : r.resource_class === v; },
    vendor: function (r, v) { return r.accelerator_vendor === undefined ? undefined : r.accelerator_vendor === v; },
    model: function (r, v) { return r.accelerator_model === undefined ? undefined : r.accelerator_model === v; },
    cpu_architecture: function (r, v) { return r.cpu_architecture === undefined ? undefined : r.cpu_architecture === v; },
    province: function (r, v) { return r.province_code === undefined ? undefined : r.province_code === v; },
    city: function (r, v) { return r.city_code === undefined ? undefined : r.city_code === v; },
    min_cards: function (r, v) { return r.total_cards === undefined ? undefined : atLeast(number(r.total_cards), v); },
    min_fp16: function (r, v) { return r.fp16_tflops_per_card === undefined ? undefined : atLeast(number(r.fp16_tflops_per_card), v); },
    min_fp32: function (r, v) { return r.fp32_tflops_per_card === undefined ? undefined : atLeast(number(r.fp32_tflops_per_card), v); },
    min_fp64: function (r, v) { return r.fp64_tflops_per_card === undefined ? undefined : atLeast(number(r.fp64_tflops_per_card), v); },
    min_memory_gb: function (r, v) { return r.accelerator_memory_gb === undefined ? undefined : atLeast(number(r.accelerator_memory_gb), v); },
    max_price: function (r, v) { return r.price_yuan === undefined ? undefined : number(r.price_yuan) !== null && number(r.price_yuan) <= Number(v); },
    available_now: function (r) {
      return r.state === undefined ? undefined : r.state === "online" && number(r.available_units) > 0;
    },
    certified_only: function (r) { return r.certified === undefined ? undefined : r.certified === true; },
    min_reliability: function (r, v) {
      return r.reliability_percent === undefined ? undefined : atLeast(number(r.reliability_percent), v);
    }
  };

  function failing(record, filters) {
    return Object.keys(filters).filter(function (name) {
      return CHECKS[name] && CHECKS[name](record, filters[name]) === false;
    });
  }

  // Phones: the filter panel (a <details>, open for everyone without this script) starts closed so the
  // results come first; it opens with one tap on its summary.
  function collapseFiltersOnPhones() {
    var panel = document.querySelector("[data-sel-panel]");
    if (panel && window.matchMedia && window.matchMedia("(max-width: 991.98px)").matches) {
      panel.open = false;
    }
  }

  // A page filtered by min_reliability or sorted by reliability (the server renders [data-sel-watch]) watches
  // its own query on ws/select/ (search.live): when reliability figures change and the query's rows are no
  // longer the rows shown (one fell below the floor, one rose above it, the order changed), the server says
  // "refresh": the notice with its reload link appears and rows that left are marked.
  function watchQuery(table) {
    var notice = document.querySelector("[data-sel-watch]");
    var idsData = document.getElementById("sel-ids");
    if (!notice || !idsData || !("WebSocket" in window)) {
      return;
    }
    var ids = [];
    try {
      ids = JSON.parse(idsData.textContent);
    } catch (error) {
      return;
    }
    var url = (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + "/ws/select/";
    var retry = 1000;

    function show(message) {
      var text = message.entered && message.entered.length ? "data-sel-entered-text"
        : message.left && message.left.length ? "data-sel-left-text" : "data-sel-reordered-text";
      notice.querySelector("[data-sel-refresh-text]").textContent = notice.getAttribute(text) || "";
      notice.hidden = false;
      (message.left || []).forEach(function (pk) {
        var row = table && table.querySelector('[data-sel-id="' + pk + '"]');
        if (row) {
          row.classList.add("sel-stale");
          row.setAttribute("data-sel-matches", "false");
          var flag = row.querySelector("[data-sel-flag]");
          if (flag) {
            flag.textContent = table.getAttribute("data-sel-stale-text");
            flag.hidden = false;
          }
        }
      });
    }

    function connect() {
      var socket = new WebSocket(url);
      socket.addEventListener("open", function () {
        retry = 1000;
        socket.send(JSON.stringify({ query: window.location.search, ids: ids }));
      });
      socket.addEventListener("message", function (event) {
        var message;
        try {
          message = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        if (message.type === "refresh") {
          show(message);
        }
      });
      socket.addEventListener("close", function () {
        window.setTimeout(connect, retry + Math.floor(Math.random() * 500));
        retry = Math.min(retry * 2, 30000);
      });
    }
    connect();
  }

  function init() {
    collapseFiltersOnPhones();
    var form = document.querySelector("form.sel-form");
    if (form) {
      ["f-sort", "f-page_size"].forEach(function (id) {
        var select = document.getElementById(id);
        if (select) {
          select.addEventListener("change", function () { form.submit(); });
        }
      });
    }
    var table = document.getElementById("sel-table");
    var data = document.getElementById("sel-filters");
    watchQuery(table);
    if (!table) {
      return;
    }
    var filters = {};
    try {
      filters = data ? JSON.parse(data.textContent) : {};
    } catch (error) {
      filters = {};
    }
    var status = document.querySelector("[data-live-status]");
    table.addEventListener("live:snapshot", function (event) {
      var row = event.target.closest("[data-sel-row]");
      if (!row) {
        return;
      }
      var record = event.detail.record || {};
      var flag = row.querySelector("[data-sel-flag]");
      var text = "";
      if (record.public === false) {
        text = table.getAttribute("data-sel-gone-text");
      } else if (failing(record, filters).length) {
        text = table.getAttribute("data-sel-stale-text");
      }
      row.classList.toggle("sel-stale", text !== "");
      row.setAttribute("data-sel-matches", text === "" ? "true" : "false");
      if (flag) {
        flag.textContent = text;
        flag.hidden = text === "";
      }
      if (status) {
        var name = row.querySelector("th") ? row.querySelector("th").firstChild.textContent : "";
        status.hidden = false;
        status.textContent = (table.getAttribute("data-sel-updated-text") || "") + "：" + name.trim() + (text ? "（" + text + "）" : "");
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
