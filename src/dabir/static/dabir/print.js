// The referral sheet's chain: each step indented by its depth (a style attribute would break the CSP).
document.querySelectorAll(".indent[data-depth]").forEach(function (el) {
  el.style.paddingInlineStart = (parseInt(el.dataset.depth, 10) || 0) + "em";
});

window.addEventListener("load", function () {
  document.querySelectorAll("[data-print]").forEach(function (btn) {
    btn.addEventListener("click", function () { window.print(); });
  });
  window.print();
});
