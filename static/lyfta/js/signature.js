/* Signature pad for the driver's stop page (no build step, no dependencies).
   Draws with pointer events (finger, pen or mouse) on <canvas id="signature-pad">; on submit the
   drawing goes into the hidden field "signature" as a PNG data URL (empty when nothing was drawn,
   which the server refuses with a message). The server decodes and checks it with Pillow. */
(function () {
  "use strict";
  function init() {
    var canvas = document.getElementById("signature-pad");
    if (!canvas) { return; }
    var form = canvas.closest("form");
    var field = form.querySelector('input[name="signature"]');
    var ctx = canvas.getContext("2d");
    var drawing = false, drawn = false, last = null;
    ctx.lineWidth = 4; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#000";

    function point(ev) {
      var r = canvas.getBoundingClientRect();
      return { x: (ev.clientX - r.left) * canvas.width / r.width, y: (ev.clientY - r.top) * canvas.height / r.height };
    }
    canvas.addEventListener("pointerdown", function (ev) {
      ev.preventDefault(); drawing = true; last = point(ev);
      if (canvas.setPointerCapture) { canvas.setPointerCapture(ev.pointerId); }
    });
    canvas.addEventListener("pointermove", function (ev) {
      if (!drawing) { return; }
      ev.preventDefault();
      var p = point(ev);
      ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke();
      last = p; drawn = true;
    });
    function stop() { drawing = false; last = null; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);
    var clear = document.getElementById("signature-clear");
    if (clear) {
      clear.addEventListener("click", function () { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; });
    }
    form.addEventListener("submit", function () { field.value = drawn ? canvas.toDataURL("image/png") : ""; });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
