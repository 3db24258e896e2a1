/* Drag and drop of the stops on the run planning page (no build step, no dependencies).
   Pointer events (mouse, finger or pen) on the handle ⠿ of a stop still to do move it in the
   list as the pointer moves; on release the whole new order of the open stops is posted to
   data-reorder-url (the service run_stop_reorder checks it). The answer re-renders the stops and
   the load list and gives the sentence the live region #reorder-status reads out; a refusal
   puts the old order back and reads the server's message. The Up/Down buttons stay the keyboard
   and no-JavaScript way. */
(function () {
  "use strict";
  function init() {
    var list = document.getElementById("run-stops");
    if (!list || !list.getAttribute("data-reorder-url") || !window.fetch || !window.FormData) { return; }
    var url = list.getAttribute("data-reorder-url");
    var status = document.getElementById("reorder-status");
    var help = document.getElementById("reorder-help");
    var failed = list.getAttribute("data-msg-failed") || "";
    var drag = null, busy = false;
    if (help) { help.hidden = false; }
    list.classList.add("drag-ready");

    function items() { return Array.prototype.filter.call(list.children, function (li) { return li.hasAttribute("data-stop-id"); }); }
    function ids() { return items().map(function (li) { return li.getAttribute("data-stop-id"); }); }
    function say(text) {
      if (!status) { return; }
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 50);
    }
    function token() {
      var input = document.querySelector('input[name="csrfmiddlewaretoken"]');
      return input ? input.value : "";
    }
    function restore(order) {
      var byId = {};
      items().forEach(function (li) { byId[li.getAttribute("data-stop-id")] = li; });
      order.forEach(function (id) { if (byId[id]) { list.appendChild(byId[id]); } });
    }
    function finish(cancelled) {
      var d = drag;
      drag = null;
      d.item.classList.remove("dragging");
      if (cancelled) { restore(d.before); return; }
      var after = ids();
      if (after.join(",") === d.before.join(",")) { return; }
      save(d, after);
    }
    function save(d, after) {
      var body = new FormData();
      body.append("csrfmiddlewaretoken", token());
      after.forEach(function (id) { body.append("stop", id); });
      body.append("moved", d.item.getAttribute("data-stop-id"));
      busy = true;
      list.setAttribute("aria-busy", "true");
      fetch(url, { method: "POST", body: body, credentials: "same-origin",
                   headers: { "HX-Request": "true", "X-CSRFToken": token(), "Accept": "application/json" } })
        .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
        .then(function (res) {
          if (!res.ok) { restore(d.before); say(res.data.message || failed); return; }
          var tpl = document.createElement("template");
          tpl.innerHTML = res.data.stops_html;
          var fresh = tpl.content.querySelector("ol");
          if (fresh) { list.innerHTML = fresh.innerHTML; }
          var load = document.getElementById("load-list");
          if (load && res.data.load_html) { load.innerHTML = res.data.load_html; }
          say(res.data.message);
        })
        .catch(function () { restore(d.before); say(failed); })
        .then(function () { busy = false; list.removeAttribute("aria-busy"); });
    }

    list.addEventListener("pointerdown", function (ev) {
      var handle = ev.target.closest ? ev.target.closest(".drag-handle") : null;
      if (!handle || drag || busy || (ev.pointerType === "mouse" && ev.button !== 0)) { return; }
      var item = handle.closest("li[data-stop-id]");
      if (!item || item.parentNode !== list) { return; }
      ev.preventDefault();
      drag = { item: item, pointerId: ev.pointerId, before: ids() };
      try { handle.setPointerCapture(ev.pointerId); } catch (e) { /* a synthetic pointer: the list still gets the moves */ }
      item.classList.add("dragging");
    });
    // Moves and the release are followed on the document: the dragged stop is moved in the DOM,
    // which ends the handle's pointer capture, and the finger may leave the list.
    document.addEventListener("pointermove", function (ev) {
      if (!drag || ev.pointerId !== drag.pointerId) { return; }
      ev.preventDefault();
      var y = ev.clientY, next = null;
      var others = items().filter(function (li) { return li !== drag.item; });
      for (var i = 0; i < others.length; i++) {
        var r = others[i].getBoundingClientRect();
        if (y < r.top + r.height / 2) { next = others[i]; break; }
      }
      if (next) {
        if (drag.item.nextElementSibling !== next) { list.insertBefore(drag.item, next); }
      } else if (list.lastElementChild !== drag.item) {
        list.appendChild(drag.item);
      }
      // Scroll the page while dragging near the top or bottom edge (a long run on a phone).
      if (y < 48) { window.scrollBy(0, -16); } else if (y > window.innerHeight - 48) { window.scrollBy(0, 16); }
    });
    document.addEventListener("pointerup", function (ev) {
      if (drag && ev.pointerId === drag.pointerId) { finish(false); }
    });
    document.addEventListener("pointercancel", function (ev) {
      if (drag && ev.pointerId === drag.pointerId) { finish(true); }
    });
    document.addEventListener("keydown", function (ev) {
      if (drag && ev.key === "Escape") { finish(true); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
