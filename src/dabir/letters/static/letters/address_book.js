// The compose form's outside-recipient suggestions: a name picked (or typed) in a «from the list»
// input is added as a new line of its textarea, once. Without scripts the inputs stay hidden.
(function () {
  "use strict";
  document.querySelectorAll("input[data-append-to]").forEach(function (input) {
    var box = document.getElementById(input.dataset.appendTo);
    if (!box) return;
    input.closest(".d-none") && input.closest(".d-none").classList.remove("d-none");
    input.addEventListener("change", function () {
      var name = input.value.trim();
      if (!name) return;
      var lines = box.value.split("\n").map(function (l) { return l.trim(); }).filter(Boolean);
      if (lines.indexOf(name) === -1) lines.push(name);
      box.value = lines.join("\n");
      input.value = "";
      box.dispatchEvent(new Event("input", { bubbles: true }));
    });
  });
})();
