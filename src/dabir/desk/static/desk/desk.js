/* Citizen desk pages: register the service worker, auto-submit filters, confirm, submit once. */
(function () {
  "use strict";
  var me = document.getElementById("desk-js");
  if ("serviceWorker" in navigator && me && me.dataset.sw) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register(me.dataset.sw, { scope: me.dataset.scope }).catch(function () {});
    });
  }
  document.querySelectorAll("select[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () { if (el.form) el.form.submit(); });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (e) { if (!window.confirm(form.dataset.confirm)) e.preventDefault(); });
  });
  document.querySelectorAll("button[data-once]").forEach(function (btn) {
    if (btn.form) btn.form.addEventListener("submit", function () {
      setTimeout(function () { btn.disabled = true; }, 0);  // a second tap sends nothing; the key makes it harmless anyway
    });
  });
  document.querySelectorAll("[data-reload]").forEach(function (btn) {
    btn.addEventListener("click", function () { window.location.reload(); });
  });
  document.querySelectorAll(".file-pick input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      var out = input.parentNode.querySelector(".file-names");
      if (!out) return;
      var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
      out.textContent = names.length ? names.join("، ") : (out.dataset.empty || "");
      out.classList.toggle("text-success", names.length > 0);
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
