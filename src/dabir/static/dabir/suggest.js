// Suggested first recipients (letters/partials/suggest_box.html): a click on a suggestion puts its position
// in the first-referral select. The select may be enhanced by Tom Select (pickers.js): then its value is set
// through the element's `tomselect` API, so the picker shows it too; else on the plain select.
(function () {
  "use strict";
  if (window.dabirSuggest) return; // the box may be included more than once
  window.dabirSuggest = true;

  function choose(button) {
    var box = button.closest(".suggestions");
    var select = box && document.getElementById(box.dataset.target);
    if (!select) return;
    var value = button.dataset.position;
    if (select.tomselect) {
      select.tomselect.setValue(value);
    } else {
      if (!Array.prototype.some.call(select.options, function (o) { return o.value === value; })) return;
      select.value = value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    box.querySelectorAll(".suggestion").forEach(function (b) {
      var on = b === button;
      b.classList.toggle("active", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".suggestions .suggestion[data-position]");
    if (button) choose(button);
  });

  // A suggestion list that arrives for the position already chosen shows it as chosen.
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.target.closest && event.target.closest(".suggestions");
    var select = box && document.getElementById(box.dataset.target);
    if (!select || !select.value) return;
    box.querySelectorAll(".suggestion").forEach(function (b) {
      var on = b.dataset.position === select.value;
      b.classList.toggle("active", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
    });
  });
})();
