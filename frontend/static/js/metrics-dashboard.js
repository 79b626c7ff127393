/* Operation monitoring dashboards (system E): charts from the JSON endpoints (Chart.js, vendored under
   static/vendor/chartjs), drill-down on click, headline tiles polled every few seconds. No inline code:
   everything is wired from data- attributes (strict CSP). */
(function () {
  "use strict";

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    });
  }

  function withParam(url, name, value) {
    return url + (url.indexOf("?") === -1 ? "?" : "&") + encodeURIComponent(name) + "=" + encodeURIComponent(value);
  }

  function text(value) {
    return value === null || value === undefined ? "—" : String(value);
  }

  // --- headline tiles --------------------------------------------------------------------------
  function pollHeadline(section) {
    var url = section.getAttribute("data-headline-url");
    var seconds = parseInt(section.getAttribute("data-poll-seconds"), 10) || 10;
    function refresh() {
      getJSON(url).then(function (figures) {
        section.querySelectorAll("[data-tile]").forEach(function (node) {
          var key = node.getAttribute("data-tile");
          if (key in figures) { node.textContent = text(figures[key]); }
        });
      }).catch(function () { /* keep the last figures; try again at the next tick */ });
    }
    refresh();
    window.setInterval(refresh, seconds * 1000);
  }

  // --- drill-down ------------------------------------------------------------------------------
  var drillPanel = document.querySelector(".metrics-drill");

  function renderTable(container, data) {
    var table = document.createElement("table");
    table.className = "table";
    var head = table.createTHead().insertRow();
    data.columns.forEach(function (column) {
      var th = document.createElement("th");
      th.textContent = column;
      head.appendChild(th);
    });
    var body = table.createTBody();
    if (!data.rows.length) {
      var cell = body.insertRow().insertCell();
      cell.colSpan = Math.max(1, data.columns.length);
      cell.textContent = "—";
    }
    data.rows.forEach(function (row) {
      var tr = body.insertRow();
      row.forEach(function (value) { tr.insertCell().textContent = text(value); });
    });
    container.replaceChildren(table);
  }

  function drill(canvas, key, label) {
    if (!drillPanel) { return; }
    var url = withParam(canvas.getAttribute("data-drill-url"), "key", key);
    getJSON(url).then(function (data) {
      drillPanel.hidden = false;
      drillPanel.querySelector("[data-drill-caption]").textContent = canvas.getAttribute("aria-label") + " · " + label;
      drillPanel.querySelectorAll("[data-drill-export]").forEach(function (link) {
        link.href = withParam(url, "format", link.getAttribute("data-drill-export"));
      });
      renderTable(drillPanel.querySelector(".metrics-drill-table"), data);
      drillPanel.scrollIntoView({ behavior: "smooth", block: "start" });
    });
  }

  // --- charts ----------------------------------------------------------------------------------
  function draw(canvas) {
    getJSON(canvas.getAttribute("data-chart-url")).then(function (data) {
      var chart = new window.Chart(canvas, {
        type: data.kind === "bar" ? "bar" : "line",
        data: {
          labels: data.labels,
          datasets: data.series.map(function (series) {
            return { label: series.label, data: series.values, spanGaps: true, tension: 0.2 };
          })
        },
        options: {
          responsive: true,
          animation: false,
          interaction: { mode: "index", intersect: false },
          scales: { y: { beginAtZero: true, title: { display: !!data.unit, text: data.unit } } },
          onClick: function (event, elements) {
            var points = chart.getElementsAtEventForMode(event, "index", { intersect: false }, true);
            var index = points.length ? points[0].index : (elements.length ? elements[0].index : -1);
            if (index >= 0) { drill(canvas, data.keys[index], data.labels[index]); }
          }
        }
      });
    }).catch(function () {
      canvas.replaceWith(document.createTextNode("—"));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var headline = document.querySelector(".metrics-headline");
    if (headline) { pollHeadline(headline); }
    if (window.Chart) { document.querySelectorAll("canvas[data-chart-url]").forEach(draw); }
  });
})();
