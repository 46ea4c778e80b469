// Work in bulk (the inbox and the secretariat queue): the count of ticked letters, «انتخاب همه نامه‌های
// این صفحه», and the bar's dialogs. Without this file the bulk form still posts: the bar's buttons open
// the bulk page, which asks for the act's fields.
(function () {
  "use strict";

  var DIGITS = "۰۱۲۳۴۵۶۷۸۹";
  function fa(n) {
    return String(n).replace(/[0-9]/g, function (d) { return DIGITS[d]; });
  }

  function items(form) {
    // Rows may sit outside the form (form="bulk-form"), so ask the document, not the form's subtree.
    return Array.prototype.filter.call(document.querySelectorAll("input[data-bulk-item]"), function (box) {
      return box.form === form;
    });
  }

  function refresh(form) {
    var boxes = items(form);
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    var count = form.querySelector("[data-bulk-count]");
    if (count) {
      if (!count.dataset.emptyText) count.dataset.emptyText = count.textContent;
      count.textContent = ticked ? fa(ticked) + " نامه انتخاب شد." : count.dataset.emptyText;
      count.classList.toggle("text-muted", !ticked);
      count.classList.toggle("fw-bold", ticked > 0);
    }
    form.querySelectorAll("[data-bulk-count-copy]").forEach(function (el) {
      el.textContent = fa(ticked) + " نامه انتخاب شده است؛ این اقدام روی همه آن‌ها انجام می‌شود، یا اگر یکی مجاز نباشد روی هیچ‌کدام.";
    });
    form.querySelectorAll("[data-bulk-needs]").forEach(function (btn) { btn.disabled = ticked === 0; });
    var all = form.querySelector("[data-bulk-all]");
    if (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    boxes.forEach(function (box) {
      var row = box.closest("tr");
      if (row) row.classList.toggle("table-active", box.checked);
    });
  }

  function init(root) {
    var forms = root.matches && root.matches("form[data-bulk]") ? [root] : root.querySelectorAll("form[data-bulk]");
    Array.prototype.forEach.call(forms, function (form) {
      var wrap = form.querySelector("[data-bulk-all-wrap]");
      if (wrap) wrap.hidden = false;
      refresh(form);
    });
  }

  document.addEventListener("change", function (e) {
    var target = e.target;
    if (target.matches("input[data-bulk-all]")) {
      items(target.form).forEach(function (box) { box.checked = target.checked; });
      refresh(target.form);
    } else if (target.matches("input[data-bulk-item]") && target.form) {
      refresh(target.form);
    }
  });

  // «ارجاع…», «پرونده…», «انجام شد…»: a dialog with the act's fields instead of the bulk page.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("button[data-bulk-dialog]");
    if (!btn || !window.bootstrap) return;
    var dialog = document.getElementById(btn.dataset.bulkDialog);
    if (!dialog) return;
    e.preventDefault();
    window.bootstrap.Modal.getOrCreateInstance(dialog).show();
  });

  // Enter in a dialog's field sends that dialog's act (the form's first button would be «خوانده شد»).
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.target.tagName === "TEXTAREA" || e.target.tagName === "BUTTON") return;
    var dialog = e.target.closest(".modal");
    if (!dialog || !e.target.form || !e.target.form.matches("form[data-bulk]")) return;
    var submit = dialog.querySelector("[data-bulk-submit]");
    if (submit) {
      e.preventDefault();
      submit.click();
    }
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
