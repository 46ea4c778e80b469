/* The operator's desk pages: the receipt's print button (no inline handlers: the CSP forbids them). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.addEventListener("click", function () { window.print(); });
  });
})();
