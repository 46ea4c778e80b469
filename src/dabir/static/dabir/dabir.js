/* Dabir's small scripts: the rich-text editor, select filters, absence notes, auto-submit. */
(function () {
  "use strict";

  function initEditors(root) {
    root.querySelectorAll("textarea.rich-source").forEach(function (source) {
      if (source.dataset.richReady) return;
      source.dataset.richReady = "1";
      var wrap = source.closest(".rich-editor-wrap");
      if (!wrap) return;
      var area = wrap.querySelector(".rich-area");
      var toolbar = wrap.querySelector(".rich-toolbar");
      area.innerHTML = source.value;
      area.classList.remove("d-none");
      toolbar.classList.remove("d-none");
      source.classList.add("d-none");
      if (source.classList.contains("is-invalid")) area.classList.add("is-invalid");
      var sync = function () { source.value = area.innerHTML; };
      area.addEventListener("input", sync);
      area.addEventListener("blur", sync);
      toolbar.querySelectorAll("[data-cmd]").forEach(function (btn) {
        btn.addEventListener("mousedown", function (e) { e.preventDefault(); });
        btn.addEventListener("click", function () {
          area.focus();
          document.execCommand(btn.dataset.cmd, false, null);
          sync();
        });
      });
      var form = source.form;
      if (form) form.addEventListener("submit", sync);
    });
  }

  function initFilters(root) {
    root.querySelectorAll("select[data-filterable]").forEach(function (select) {
      if (select.dataset.filterReady) return;
      select.dataset.filterReady = "1";
      var input = document.createElement("input");
      input.type = "search";
      input.className = "form-control form-control-sm select-filter";
      input.placeholder = "جست‌وجو در سمت‌ها…";
      input.setAttribute("aria-label", "جست‌وجو در فهرست");
      select.parentNode.insertBefore(input, select);
      input.addEventListener("input", function () {
        var q = input.value.trim().replace(/ي/g, "ی").replace(/ك/g, "ک");
        Array.prototype.forEach.call(select.options, function (opt) {
          opt.hidden = q !== "" && opt.text.indexOf(q) === -1 && !opt.selected;
        });
      });
    });
  }

  function initAbsence(root) {
    root.querySelectorAll("select[data-absence-note]").forEach(function (select) {
      if (select.dataset.absenceReady) return;
      select.dataset.absenceReady = "1";
      var note = select.parentNode.querySelector(".absence-note");
      var show = function () {
        var opt = select.options[select.selectedIndex];
        var text = opt && opt.dataset.absent;
        if (!note) return;
        note.innerHTML = "";
        if (text) {
          var icon = document.createElement("i");
          icon.className = "bi bi-exclamation-triangle-fill";
          note.appendChild(icon);
          note.appendChild(document.createTextNode(" " + text));
        }
      };
      select.addEventListener("change", show);
      show();
    });
  }

  function initAutosubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      if (select.dataset.autoReady) return;
      select.dataset.autoReady = "1";
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function init(root) {
    initEditors(root);
    initFilters(root);
    initAbsence(root);
    initAutosubmit(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
