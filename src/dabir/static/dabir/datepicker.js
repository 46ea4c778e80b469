/* The Jalali date picker (vendor/jalalidatepicker) on every text box marked data-jdp by
   core.jalali_forms' widgets (and the {% datepicker_attrs %} tag). Typing stays allowed: the box
   is never made read-only, Persian or Latin digits both reach the server's parser.

   The picker reads and writes Latin digits only; the boxes show Persian ones. Each box therefore
   gets its own `value` property: the picker reads Latin, and what it writes is shown in Persian.
   The form still posts what the box shows (the server accepts both digit sets). */
(function () {
  "use strict";
  if (!window.jalaliDatepicker) return;
  var FA = "۰۱۲۳۴۵۶۷۸۹", AR = "٠١٢٣٤٥٦٧٨٩";
  var native = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value");

  function latin(text) {
    return String(text == null ? "" : text).replace(/[۰-۹٠-٩]/g, function (d) {
      var i = FA.indexOf(d);
      return String(i >= 0 ? i : AR.indexOf(d));
    });
  }
  function persian(text) {
    return String(text == null ? "" : text).replace(/[0-9]/g, function (d) { return FA[d]; });
  }

  function adopt(input) {
    if (input.dataset.jdpReady) return;
    input.dataset.jdpReady = "1";
    Object.defineProperty(input, "value", {
      configurable: true,
      get: function () { return latin(native.get.call(this)); },
      set: function (v) { native.set.call(this, persian(v)); }
    });
    // The picker's own day cells are not focusable: name the way in for screen readers and keyboards.
    if (!input.getAttribute("aria-description")) {
      input.setAttribute("aria-description", "تاریخ را بنویسید یا از تقویم برگزینید؛ Escape تقویم را می‌بندد.");
    }
  }

  // Capture phase: runs before the picker's own focus listener reads the box.
  document.addEventListener("focusin", function (e) {
    var t = e.target;
    if (t && t.matches && t.matches("input[data-jdp]")) adopt(t);
  }, true);


  // The picker shows itself again 300 ms after it opens (the end of its transition), even when it was
  // closed meanwhile: a box left quickly (Tab, a typed date) got the calendar back over the next fields
  // and the submit button, and a click meant for the button could land on its «خالی». Once we close it,
  // it stays closed until a date box takes the focus again: its re-show is undone as it happens.
  var closed = false, pressedInside = 0;
  function close() {
    closed = true;
    window.jalaliDatepicker.hide();
  }
  new MutationObserver(function () {
    if (!closed) return;
    var box = document.querySelector("jdp-container");
    if (box && box.style.display !== "none") window.jalaliDatepicker.hide();
  }).observe(document.documentElement, { attributes: true, attributeFilter: ["style"], subtree: true });
  // A press on the calendar's own month arrows (not focusable) takes the focus off the box: it still counts.
  document.addEventListener("pointerdown", function (e) {
    var box = document.querySelector("jdp-container");
    pressedInside = box && box.contains(e.target) ? Date.now() : 0;
  }, true);
  document.addEventListener("focusin", function (e) {
    if (e.target && e.target.matches && e.target.matches("input[data-jdp]")) closed = false;
  }, true);
  document.addEventListener("focusout", function (e) {
    var t = e.target;
    if (!t || !t.matches || !t.matches("input[data-jdp]")) return;
    var next = e.relatedTarget, box = document.querySelector("jdp-container");
    if (next && next.matches && next.matches("input[data-jdp]")) return;  // the next box opens its own
    if ((next && box && box.contains(next)) || Date.now() - pressedInside < 1000) return;
    close();
  });
  // A whole date typed (or pasted) needs no calendar.
  var WHOLE = /^\d{4}\/\d{1,2}\/\d{1,2}(\s+\d{1,2}:\d{2})?$/;
  document.addEventListener("input", function (e) {
    var t = e.target;
    if (t && t.matches && t.matches("input[data-jdp]") && WHOLE.test(latin(native.get.call(t)).trim())) close();
  });
  // On resize the picker places itself again: not when no date box holds the focus.
  window.addEventListener("resize", function () {
    var a = document.activeElement;
    if (!(a && a.matches && a.matches("input[data-jdp]"))) close();
  });

  window.jalaliDatepicker.startWatch({
    persianDigits: true,
    autoReadOnlyInput: false,   // typing is always allowed, on phones too
    time: true,                 // date-and-time boxes; date-only ones carry data-jdp-only-date
    hasSecond: false,
    minDate: "attr",            // data-jdp-min-date / data-jdp-max-date from the server
    maxDate: "attr",
    showCloseBtn: true,
    showTodayBtn: true,
    showEmptyBtn: true,
    hideAfterChange: true,
    changeMonthRotateYear: true,
    topSpace: 4,
    bottomSpace: 4,
    zIndex: 1090                // above Bootstrap's modals and offcanvas
  });
})();
