/* Ready margin notes (هامش‌های آماده): the chips under a note field (letters/partials/ready_notes.html) put
 * their text in the field, after what is there, and choose their action in the form's matching action
 * field (refer_note → refer_action, t-0-note → t-0-action). The text stays editable. */
(function () {
  "use strict";

  function show(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll(".ready-notes.d-none").forEach(function (group) {
      if (!group.closest("template")) group.classList.remove("d-none");
    });
  }

  function chipOf(event) {
    return event.target.closest ? event.target.closest("button.ready-note") : null;
  }

  function apply(chip) {
    var group = chip.closest(".ready-notes");
    var box = document.getElementById(group.dataset.noteFor);
    if (!box) return;
    var text = chip.dataset.text || "";
    var before = box.value.replace(/\s+$/, "");
    box.value = before ? before + "\n" + text : text;
    box.dispatchEvent(new Event("input", { bubbles: true }));
    var action = chip.dataset.action;
    var select = action && box.form && box.name ? box.form.elements[box.name.replace(/note$/, "action")] : null;
    if (select && select.tagName === "SELECT") {
      if (select.tomselect) select.tomselect.setValue(action);
      else select.value = action;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  // A pointer press acts at once: a picker focused above closes on that press and its box changes height,
  // so the release would land beside the chip and its click would reach nothing.
  document.addEventListener("mousedown", function (event) {
    var chip = chipOf(event);
    if (!chip || event.button !== 0) return;
    event.preventDefault();
    apply(chip);
  });
  // The keyboard (Enter, Space) and assistive technology click with detail 0; a pointer's click was done above.
  document.addEventListener("click", function (event) {
    var chip = chipOf(event);
    if (chip && event.detail === 0) apply(chip);
  });

  document.addEventListener("DOMContentLoaded", function () {
    show(document);
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) { if (node.nodeType === 1) show(node); });
      });
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
