// Number series in the admin: while the pattern's pieces change, ask the server for the next number.
// The server formats it with the function registration uses, so the preview cannot differ from it.
(function () {
  "use strict";
  var FIELD = /(?:^|-)(piece_\d|sep_\d|text|padding|code|secretariat)$/;
  var timers = new WeakMap();

  function boxOf(el) {
    return el.closest(".inline-related") || el.closest("form");
  }

  function refresh(out) {
    var box = boxOf(out);
    var params = new URLSearchParams();
    box.querySelectorAll("select, input").forEach(function (el) {
      var m = el.name && el.name.match(FIELD);
      if (m) params.set(m[1], el.value);
    });
    if (out.dataset.series) params.set("series", out.dataset.series);
    if (!params.get("secretariat") && out.dataset.secretariat) params.set("secretariat", out.dataset.secretariat);
    fetch(out.dataset.url + "?" + params.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var error = out.parentElement.querySelector(".series-preview-error");
        out.querySelector("bdi").textContent = data.number || "";
        out.hidden = !data.number;
        out.dataset.number = data.raw || "";
        if (error) {
          error.textContent = data.error || "";
          error.hidden = !data.error;
        }
      });
  }

  function changed(event) {
    var box = event.target.name && FIELD.test(event.target.name) ? boxOf(event.target) : null;
    var out = box && box.querySelector("output.series-preview");
    if (!out) return;
    clearTimeout(timers.get(out));
    timers.set(out, setTimeout(function () { refresh(out); }, 250));
  }

  document.addEventListener("input", changed);
  document.addEventListener("change", changed);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("output.series-preview").forEach(refresh);
  });
})();
