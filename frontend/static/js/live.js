// Live updates of catalogue records over a websocket (ws/live/). Progressive enhancement: pages
// are complete without it.
//
// Contract for any page:
//   <tr data-live-record="resource:12">            (or line:<id>, app_service:<id>; any element)
//     <span data-live-field="price_yuan">…</span>  (any field of the snapshot: price_yuan,
//     <td data-live-field="available_units">…</td>   available_units, state_label, billing_unit_label…)
//   </tr>
//   optional: data-live-since="<seq>" on any element (the outbox position the page was rendered at),
//   then <script src="{% static 'js/live.js' %}" defer></script>.
// On every snapshot each matching element's [data-live-field] descendants get the new text, the
// element gets data-live-seq / data-live-public and the class "live-updated" for a moment, and a
// bubbling DOM event "live:snapshot" is dispatched on it with detail = the server's message
// {type: "snapshot", seq, key, record}. <html data-live="open|closed"> tells the socket's state.
// Reconnects with back-off and catches up with "since".
(function () {
  "use strict";
  var RETRY_MIN = 1000;
  var RETRY_MAX = 30000;

  function keysOnPage() {
    var keys = [];
    document.querySelectorAll("[data-live-record]").forEach(function (element) {
      var key = element.getAttribute("data-live-record");
      if (key && keys.indexOf(key) === -1) {
        keys.push(key);
      }
    });
    return keys;
  }

  function renderedSince() {
    var since = null;
    document.querySelectorAll("[data-live-since]").forEach(function (element) {
      var value = parseInt(element.getAttribute("data-live-since"), 10);
      if (!isNaN(value) && (since === null || value < since)) {
        since = value;
      }
    });
    return since;
  }

  function language() {
    var lang = (document.documentElement.getAttribute("lang") || "").toLowerCase();
    return lang === "zh-hans" || lang.indexOf("zh") === 0 ? "zh-hans" : lang || null;
  }

  function apply(message) {
    var elements = document.querySelectorAll('[data-live-record="' + message.key + '"]');
    var record = message.record || {};
    elements.forEach(function (element) {
      element.querySelectorAll("[data-live-field]").forEach(function (target) {
        var field = target.getAttribute("data-live-field");
        if (Object.prototype.hasOwnProperty.call(record, field) && record[field] !== null) {
          target.textContent = String(record[field]);
        }
      });
      element.setAttribute("data-live-seq", String(message.seq));
      element.setAttribute("data-live-public", record.public === false ? "false" : "true");
      element.classList.add("live-updated");
      window.setTimeout(function () {
        element.classList.remove("live-updated");
      }, 2000);
      element.dispatchEvent(new CustomEvent("live:snapshot", { bubbles: true, detail: message }));
    });
  }

  function start() {
    var keys = keysOnPage();
    if (!keys.length || !("WebSocket" in window)) {
      return;
    }
    var lastSeq = renderedSince();
    var retry = RETRY_MIN;
    var url = (window.location.protocol === "https:" ? "wss://" : "ws://") + window.location.host + "/ws/live/";

    function connect() {
      var socket = new WebSocket(url);
      socket.addEventListener("open", function () {
        retry = RETRY_MIN;
        socket.send(JSON.stringify({ subscribe: keys, since: lastSeq, lang: language() }));
      });
      socket.addEventListener("message", function (event) {
        var message;
        try {
          message = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        if (message.type === "subscribed") {
          if (lastSeq === null) {
            lastSeq = message.seq; // from now on, a reconnect catches up from here
          }
          document.documentElement.setAttribute("data-live", "open");
        } else if (message.type === "snapshot") {
          if (lastSeq === null || message.seq > lastSeq) {
            lastSeq = message.seq;
          }
          apply(message);
        }
      });
      socket.addEventListener("close", function () {
        document.documentElement.setAttribute("data-live", "closed");
        var wait = retry + Math.floor(Math.random() * 500);
        retry = Math.min(retry * 2, RETRY_MAX);
        window.setTimeout(connect, wait);
      });
    }
    connect();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
