/* Dabir's small scripts: the rich-text editor, select filters, absence notes, auto-submit, file pickers. */
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

  // The browser's own file button says "Choose Files / No file chosen" in English: hide it behind a
  // Persian button and list the chosen names next to it. Without JavaScript the native input stays.
  function initFilePickers(root) {
    root.querySelectorAll("input[type=file]").forEach(function (input) {
      if (input.dataset.pickReady || input.closest(".file-pick")) return;
      input.dataset.pickReady = "1";
      if (!input.id) input.id = "file-" + Math.random().toString(36).slice(2);
      // The picker goes right after the input (not around it), so the field's errors stay its siblings.
      var pick = document.createElement("div");
      pick.className = "file-pick-ui d-flex flex-wrap align-items-center gap-2";
      input.classList.add("file-native");
      var invalid = input.classList.contains("is-invalid");
      var label = document.createElement("label");
      label.htmlFor = input.id;
      label.className = "btn btn-outline-primary btn-sm" + (invalid ? " border-danger text-danger" : "");
      label.innerHTML = '<i class="bi bi-upload"></i> ';
      label.appendChild(document.createTextNode(input.multiple ? "انتخاب پرونده‌ها" : "انتخاب پرونده"));
      var names = document.createElement("span");
      names.className = "file-names small text-muted";
      names.setAttribute("aria-live", "polite");
      var empty = "پرونده‌ای انتخاب نشده است";
      names.textContent = empty;
      pick.appendChild(label);
      pick.appendChild(names);
      input.insertAdjacentElement("afterend", pick);
      input.addEventListener("focus", function () { label.classList.add("focus-ring"); });
      input.addEventListener("blur", function () { label.classList.remove("focus-ring"); });
      input.addEventListener("change", function () {
        var list = Array.prototype.map.call(input.files, function (f) { return f.name; });
        names.textContent = list.length ? list.join("، ") : empty;
        names.classList.toggle("text-success", list.length > 0);
        names.classList.toggle("text-muted", list.length === 0);
      });
    });
  }

  // «افزودن گیرنده»: a formset row cloned from its <template>, numbered by TOTAL_FORMS.
  function initAddRows(root) {
    root.querySelectorAll("button[data-add-row]").forEach(function (btn) {
      if (btn.dataset.ready) return;
      btn.dataset.ready = "1";
      var tpl = document.getElementById(btn.dataset.addRow);
      var total = btn.form.querySelector("input[name$='-TOTAL_FORMS']");
      var max = btn.form.querySelector("input[name$='-MAX_NUM_FORMS']");
      btn.addEventListener("click", function () {
        var n = parseInt(total.value, 10);
        if (max && n >= parseInt(max.value, 10)) { btn.disabled = true; return; }
        var holder = document.createElement("div");
        holder.innerHTML = tpl.innerHTML.replace(/__prefix__/g, String(n)).replace(/__number__/g,
          String(n + 1).replace(/[0-9]/g, function (d) { return "۰۱۲۳۴۵۶۷۸۹"[d]; }));
        var row = holder.firstElementChild;
        btn.closest(".add-row-anchor").before(row);
        total.value = String(n + 1);
        init(row);
        if (max && n + 1 >= parseInt(max.value, 10)) btn.disabled = true;
      });
    });
  }

  function init(root) {
    initAddRows(root);
    initFilePickers(root);
    initEditors(root);
    initFilters(root);
    initAbsence(root);
    initAutosubmit(root);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSwap", function (e) { init(e.target); });
})();
