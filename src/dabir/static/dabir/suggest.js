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
    mark(box, value);
  }

  // The chosen suggestion is shown pressed (a light background and a tick, the text keeps its contrast).
  function mark(box, value) {
    box.querySelectorAll(".suggestion").forEach(function (b) {
      var on = b.dataset.position === value;
      b.classList.toggle("list-group-item-primary", on);
      b.setAttribute("aria-pressed", on ? "true" : "false");
      var tick = b.querySelector(".suggestion-check");
      if (tick) tick.classList.toggle("d-none", !on);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".suggestions .suggestion[data-position]");
    if (button) choose(button);
  });

  // The select changed by hand (or by its picker): the pressed suggestion follows it.
  document.addEventListener("change", function (event) {
    var id = event.target && event.target.id;
    if (!id) return;
    document.querySelectorAll(".suggestions").forEach(function (box) {
      if (box.dataset.target === id) mark(box, event.target.value);
    });
  });

  // A suggestion list that arrives for the position already chosen shows it as chosen.
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.target.closest && event.target.closest(".suggestions");
    var select = box && document.getElementById(box.dataset.target);
    if (select && select.value) mark(box, select.value);
  });
})();
