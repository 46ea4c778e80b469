/* The citizen sign-in page: the error summary takes the focus, and the one-time-code step counts
   down to when a new code may be asked for. The server renders the seconds left (its own rate
   rules) and the clock time, so without this script the page still says when; with it, «ارسال
   دوباره کد» stays disabled until then and the count goes down each second. */
(function () {
  "use strict";
  var FA = "۰۱۲۳۴۵۶۷۸۹";
  function fa(n) { return String(n).replace(/[0-9]/g, function (d) { return FA[d]; }); }

  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();

  var button = document.getElementById("resend");
  if (!button) return;
  var wait = parseInt(button.getAttribute("data-wait") || "0", 10);
  if (!(wait > 0)) return;
  var left = document.getElementById("resend-left");
  var note = document.getElementById("resend-wait");
  var ready = document.getElementById("resend-ready");
  var until = Date.now() + wait * 1000;

  function shown(seconds) {
    if (seconds <= 90) return fa(seconds) + " ثانیه دیگر";
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return fa(m) + ":" + fa(s < 10 ? "0" + s : s) + " دیگر";
  }

  button.disabled = true;
  function tick() {
    var seconds = Math.max(0, Math.ceil((until - Date.now()) / 1000));
    if (seconds > 0) {
      if (left) left.textContent = shown(seconds);
      window.setTimeout(tick, 250);
      return;
    }
    button.disabled = false;
    if (note) { note.hidden = true; note.classList.remove("d-block"); note.classList.add("d-none"); }
    button.removeAttribute("aria-describedby");
    if (ready) ready.textContent = "اکنون می‌توانید کد تازه بخواهید.";
  }
  tick();
})();
