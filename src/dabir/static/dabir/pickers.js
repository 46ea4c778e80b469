/* Searchable pickers (Tom Select, vendored) in Persian for long lists:
 *  select[data-picker="position"]  the positions of refer, compose recipients and first referrals;
 *  input[data-picker="names"]      a name with a <datalist> of the address book (free text still allowed).
 * Search is normalised like the server's (ی/ي، ک/ك، diacritics, half-spaces, digits), so «علي» finds «علی».
 * Without scripts the plain select or input works as before. Other scripts reach a picker through the
 * element's `tomselect` property (e.g. select.tomselect.setValue(id)). */
(function () {
  "use strict";
  if (typeof window.TomSelect !== "function") return;

  var DIGITS = { "۰": "0", "۱": "1", "۲": "2", "۳": "3", "۴": "4", "۵": "5", "۶": "6", "۷": "7", "۸": "8", "۹": "9",
    "٠": "0", "١": "1", "٢": "2", "٣": "3", "٤": "4", "٥": "5", "٦": "6", "٧": "7", "٨": "8", "٩": "9" };

  function norm(text) {
    return String(text || "")
      .replace(/[يىئ]/g, "ی").replace(/ك/g, "ک").replace(/[ةۀ]/g, "ه").replace(/[أإٱ]/g, "ا").replace(/ؤ/g, "و")
      .replace(/[\u0640\u064b-\u065f\u0670]/g, "")
      .replace(/[۰-۹٠-٩]/g, function (d) { return DIGITS[d]; })
      .replace(/[\u200c\u200d\u200e\u200f\u00a0\s]+/g, " ")
      .trim().toLowerCase();
  }

  // Every word typed must occur in the option's text; a text that starts with the first word ranks first.
  function score(query) {
    var words = norm(query).split(" ").filter(Boolean);
    return function (item) {
      if (!words.length) return 1;
      var text = item.$norm || (item.$norm = norm(item.text));
      for (var i = 0; i < words.length; i++) {
        if (text.indexOf(words[i]) === -1) return 0;
      }
      return text.indexOf(words[0]) === 0 ? 2 : 1;
    };
  }

  var render = {
    no_results: function () { return '<div class="no-results">موردی یافت نشد</div>'; },
    option_create: function (data, escape) {
      return '<div class="create">افزودن «<strong>' + escape(data.input) + "</strong>»</div>";
    },
    loading: function () { return '<div class="spinner" aria-label="در حال بارگذاری"></div>'; },
  };

  function common(extra) {
    var settings = { score: score, render: render, maxOptions: null, hidePlaceholder: true };
    for (var key in extra) settings[key] = extra[key];
    return settings;
  }

  // Tom Select points the field's <label> at its own box; the original element, still in the page for the
  // form (hidden, yet read by assistive technology), keeps the same name.
  function keepName(element) {
    var label = element.id && document.querySelector('label[for="' + element.id + '-ts-control"]');
    if (label && !element.getAttribute("aria-label")) element.setAttribute("aria-label", label.textContent.trim());
  }

  function enhanceSelect(select) {
    var multi = select.multiple;
    new window.TomSelect(select, common({
      plugins: multi ? ["remove_button"] : [],
      placeholder: multi ? "نام سمت یا واحد را بنویسید…" : undefined,
      closeAfterSelect: !multi,
    }));
    keepName(select);
  }

  function enhanceNames(input) {
    var list = input.list || document.getElementById(input.getAttribute("list") || "");
    var options = list ? Array.prototype.map.call(list.options, function (o) {
      return { value: o.value, text: o.value };
    }) : [];
    input.removeAttribute("list");  // the picker lists the names; the browser's own list would double them
    var appends = !!input.dataset.appendTo;
    var picker = new window.TomSelect(input, common({
      options: options, create: true, createOnBlur: !appends, persist: false, maxItems: 1,
      delimiter: "\n",  // a name may hold a comma
      placeholder: input.getAttribute("placeholder") || "نام را بنویسید یا از فهرست برگزینید…",
      onItemAdd: function () {
        // «افزودن از فهرست» boxes hand the name to their textarea (letters/address_book.js) and start empty.
        if (appends) window.setTimeout(function () { picker.clear(true); }, 0);
      },
    }));
    keepName(input);
  }

  function init(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("select[data-picker]").forEach(function (select) {
      if (!select.tomselect && !select.closest("template")) enhanceSelect(select);
    });
    root.querySelectorAll("input[data-picker='names']").forEach(function (input) {
      if (!input.tomselect && !input.closest("template")) enhanceNames(input);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
    // Rows added later (another recipient on the refer page, htmx swaps) get their pickers too.
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType === 1 && !node.closest(".ts-wrapper")) init(node.parentNode || node);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  });
})();
