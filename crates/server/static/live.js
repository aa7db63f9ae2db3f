// Live pages (docs/WEB.md "Live updates"): the element with `data-events` names the
// stream (`/events`) the page follows. On the calls list a status change updates the
// row's badge, and a call that ends or is new reads the rows again (at most once every
// two seconds); on a call's page transcript lines are appended as they come, and a status
// change reads the page's live parts (`data-live-part`) again. `resync` (the stream
// missed changes) reads everything again. Without JavaScript the pages are simply
// reloaded by hand.
(function () {
  "use strict";
  var source = null;
  var streamUrl = null;
  var rowsTimer = null;

  var BADGES = {
    Scheduled: "wait", Queued: "wait",
    Initiated: "live", Ringing: "live", "In progress": "live",
    Completed: "ok", Transferred: "ok", Canceled: "muted",
    "AMD Terminated": "warn", Busy: "warn", "No answer": "warn",
    Failed: "bad"
  };

  function parsed(event) {
    try { return JSON.parse(event.data); } catch (e) { return null; }
  }

  // Replaces the page's elements with the given ids by those of the page at `url` (a
  // table's rows alone are parsed inside a table: elsewhere the parser drops them).
  function refresh(url, ids, rows) {
    fetch(url, { headers: { accept: "text/html" } }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (!html) return;
      var fresh = new DOMParser().parseFromString(rows ? "<table>" + html + "</table>" : html, "text/html");
      ids.forEach(function (id) {
        var old = document.getElementById(id);
        var now = fresh.getElementById(id);
        if (old && now) {
          var node = document.importNode(now, true);
          old.replaceWith(node);
          if (window.htmx) window.htmx.process(node);
        }
      });
      connect();
    }).catch(function () {});
  }

  function refreshRows() {
    if (rowsTimer) return;
    rowsTimer = setTimeout(function () {
      rowsTimer = null;
      var rows = document.getElementById("rows");
      if (rows) refresh(rows.getAttribute("data-rows"), ["rows"], true);
    }, 2000);
  }

  // Every live part once the call is final (or after a resync); before that the status
  // panel and the controls, leaving the lines appended so far in place.
  function refreshCall(all) {
    var parts = document.querySelectorAll(all ? "[data-live-part]" : "#panel, #call-controls");
    refresh(location.pathname + location.search, Array.prototype.map.call(parts, function (p) { return p.id; }));
  }

  function onStatus(event) {
    var data = parsed(event);
    if (!data) return;
    if (document.getElementById("transcript")) return refreshCall(data.final);
    var row = document.querySelector('#rows tr[data-call-id="' + data.call_id + '"]');
    var badge = row && row.querySelector("td.status .badge");
    if (badge) {
      badge.textContent = data.status;
      badge.className = "badge " + (BADGES[data.status] || "");
    }
    if (!row || data.final) refreshRows();
  }

  function onLine(event) {
    var data = parsed(event);
    var list = document.getElementById("transcript");
    if (!data || !list || list.querySelector('[data-message-id="' + data.message_id + '"]')) return;
    var empty = document.getElementById("transcript-empty");
    if (empty) empty.remove();
    var side = data.role === "assistant" ? "agent" : data.role === "user" ? "caller" : "tool";
    var speaker = side === "agent" ? list.getAttribute("data-agent") : side === "caller" ? "Caller" : "Tool";
    var item = document.createElement("li");
    item.className = "turn " + side;
    item.setAttribute("data-message-id", data.message_id);
    var who = document.createElement("div");
    who.className = "who";
    var name = document.createElement("strong");
    name.textContent = speaker;
    var at = document.createElement("time");
    var secs = Math.max(0, Math.floor(data.start || 0));
    at.textContent = Math.floor(secs / 60) + ":" + String(secs % 60).padStart(2, "0");
    who.append(name, " ", at);
    item.append(who);
    if (data.content) {
      var text = document.createElement("p");
      text.textContent = data.content;
      item.append(text);
    }
    list.append(item);
  }

  function onResync() {
    if (document.getElementById("transcript")) refreshCall(true);
    else refreshRows();
  }

  // Opens the stream the page names, closing the previous page's. A page read again names
  // the same stream from a later position (`since`): the open one goes on.
  function connect() {
    var holder = document.querySelector("[data-events]");
    var url = holder ? holder.getAttribute("data-events") : null;
    var same = function (a, b) {
      var strip = function (u) { return u && u.replace(/[?&]since=[^&]*/, ""); };
      return strip(a) === strip(b);
    };
    if (same(url, streamUrl)) return;
    if (source) source.close();
    source = null;
    streamUrl = url;
    if (!url || !window.EventSource) return;
    source = new EventSource(url);
    source.addEventListener("status", onStatus);
    source.addEventListener("line", onLine);
    source.addEventListener("resync", onResync);
  }

  document.addEventListener("DOMContentLoaded", connect);
  // hx-boost swaps pages in place: follow the new page's stream.
  document.addEventListener("htmx:afterSettle", connect);
  document.addEventListener("htmx:historyRestore", connect);
})();
