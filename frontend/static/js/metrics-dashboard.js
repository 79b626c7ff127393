/* Operation monitoring dashboards (system E): charts from the JSON endpoints (Chart.js, vendored under
   static/vendor/chartjs), drill-down on click, headline tiles pushed over the websocket
   ws/monitoring/tiles/ (polled from the JSON endpoint while the socket is down). No inline code:
   everything is wired from data- attributes (strict CSP). */
(function () {
  "use strict";
  var RETRY_MIN = 1000;
  var RETRY_MAX = 30000;

  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (r) {
      if (!r.ok) {
        var error = new Error("HTTP " + r.status);
        error.status = r.status;
        throw error;
      }
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
  // The server pushes {type: "tiles", stamp, figures} on connect and whenever the figures change
  // (always every figure). <section data-live="open|closed|polling|off"> tells the state.
  function liveHeadline(section) {
    var url = section.getAttribute("data-headline-url");
    var path = section.getAttribute("data-tiles-socket");
    var seconds = parseInt(section.getAttribute("data-poll-seconds"), 10) || 10;
    var timer = null;
    var retry = RETRY_MIN;
    var stopped = false;

    function show(figures) {
      section.querySelectorAll("[data-tile]").forEach(function (node) {
        var key = node.getAttribute("data-tile");
        if (!(key in figures)) { return; }
        var value = text(figures[key]);
        var before = node.textContent;
        if (before === value) { return; }
        node.textContent = value;
        var tile = node.closest("li");
        if (tile && before !== "…") { // a change, not the first fill
          tile.classList.add("live-updated");
          window.setTimeout(function () { tile.classList.remove("live-updated"); }, 2000);
        }
      });
    }

    function stop() {
      stopped = true;
      section.setAttribute("data-live", "off");
      if (timer !== null) { window.clearInterval(timer); timer = null; }
    }

    function poll() {
      getJSON(url).then(show).catch(function (error) {
        if (error.status === 404 || error.status === 403) { stop(); } // signed out, or no longer allowed
      });
    }

    function startPolling() {
      if (timer === null && !stopped) {
        section.setAttribute("data-live", "polling");
        poll();
        timer = window.setInterval(poll, seconds * 1000);
      }
    }

    function stopPolling() {
      if (timer !== null) { window.clearInterval(timer); timer = null; }
    }

    function connect() {
      if (stopped) { return; }
      var stamp = -1; // per socket: a fresh socket's first snapshot is current
      var socket = new WebSocket((window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + path);
      socket.addEventListener("open", function () {
        retry = RETRY_MIN;
        stopPolling();
        section.setAttribute("data-live", "open");
      });
      socket.addEventListener("message", function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (message.type !== "tiles" || message.stamp < stamp) { return; }
        stamp = message.stamp;
        show(message.figures);
      });
      socket.addEventListener("close", function (event) {
        if (event.code === 4403) { stop(); return; }
        section.setAttribute("data-live", "closed");
        startPolling();
        window.setTimeout(connect, retry);
        retry = Math.min(retry * 2, RETRY_MAX);
      });
    }

    if (path && "WebSocket" in window) { connect(); } else { startPolling(); }
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
    if (headline) { liveHeadline(headline); }
    if (window.Chart) { document.querySelectorAll("canvas[data-chart-url]").forEach(draw); }
  });
})();
