/* «شروع از الگو» on the compose page: the chosen template's subject and body, filled on the server for the
 * recipients chosen so far (letters/views/writing.py template_fill), replace the form's subject and body in
 * place; what the user must know about placeholders left in the text is shown under the chooser. */
(function () {
  "use strict";
  var chooser = document.querySelector("form.template-start");
  var compose = document.querySelector("form.compose-form");
  if (!chooser || !compose) return;
  var select = chooser.querySelector("select[name=template]");
  var notices = chooser.querySelector(".template-notices");

  function say(lines, kind) {
    notices.textContent = "";
    lines.forEach(function (line) {
      var div = document.createElement("div");
      div.className = "alert alert-" + kind + " py-1 px-2 mb-1 small";
      div.setAttribute("role", kind === "danger" ? "alert" : "status");
      div.textContent = line;
      notices.appendChild(div);
    });
  }

  chooser.addEventListener("submit", function (event) {
    event.preventDefault();
    var option = select.options[select.selectedIndex];
    if (!option || !option.dataset.fillUrl) {
      say(["نخست الگویی از فهرست برگزینید."], "danger");
      select.focus();
      return;
    }
    var params = new URLSearchParams();
    var to = compose.elements.to;
    if (to) Array.prototype.forEach.call(to.selectedOptions, function (o) { params.append("to", o.value); });
    if (compose.elements.to_outside) params.set("to_outside", compose.elements.to_outside.value);
    fetch(option.dataset.fillUrl + "?" + params.toString(), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, data: data }; }); })
      .then(function (answer) {
        var data = answer.data;
        if (!answer.ok) { say([data.error || "این الگو را نمی‌توان به کار برد."], "danger"); return; }
        compose.elements.subject.value = data.subject;
        var body = compose.elements.body;
        body.value = data.body;
        var area = compose.querySelector('.rich-area[data-for="' + body.id + '"]');
        if (area) area.innerHTML = data.body;
        var kind = compose.elements.kind;
        if (kind && data.kind) { kind.value = data.kind; kind.dispatchEvent(new Event("change", { bubbles: true })); }
        var done = "موضوع و متن از الگوی «" + option.textContent.trim() + "» پر شد؛ آن‌ها را ویرایش کنید.";
        say([done].concat(data.notices || []), data.notices && data.notices.length ? "warning" : "success");
      })
      .catch(function () { say(["الگو دریافت نشد؛ دوباره بکوشید."], "danger"); });
  });
})();
