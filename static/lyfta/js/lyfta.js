// Small progressive enhancements; every page works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // Send the CSRF token with htmx requests.
  document.body.addEventListener("htmx:configRequest", function (e) {
    var m = document.cookie.match(/(?:^|; )(?:__Host-)?csrftoken=([^;]+)/);
    if (m) { e.detail.headers["X-CSRFToken"] = decodeURIComponent(m[1]); }
  });
  // Confirm dangerous actions: <button data-confirm="...">.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (e) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
  // Disable submit buttons after the first submit (no double orders by double click).
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    });
  });
});
