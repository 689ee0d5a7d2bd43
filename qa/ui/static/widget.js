/* 中文文档问答 widget: <script src="https://HOST/widget.js" data-title="…" defer></script>
 * puts a floating chat button on the page; questions go to HOST/api/ask (the page's origin
 * must be in the bot's QA_ALLOWED_ORIGINS). Document text is only ever set as textContent. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var base = new URL(script.src, location.href).origin;
  var title = script.getAttribute("data-title") || "文档问答";
  var history = [];

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var style = el("style");
  style.textContent =
    ".qa-w-btn{position:fixed;right:20px;bottom:20px;z-index:2147483000;border:0;border-radius:28px;" +
    "padding:14px 18px;background:#f08c00;color:#fff;font:600 15px system-ui,sans-serif;cursor:pointer;" +
    "box-shadow:0 4px 14px rgba(0,0,0,.2)}" +
    ".qa-w-panel{position:fixed;right:20px;bottom:80px;z-index:2147483000;width:min(420px,calc(100vw - 40px));" +
    "max-height:min(640px,calc(100vh - 110px));display:none;flex-direction:column;background:#fff;color:#222;" +
    "border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);font:15px/1.7 system-ui,sans-serif;overflow:hidden}" +
    ".qa-w-panel.open{display:flex}.qa-w-head{padding:10px 14px;background:#f08c00;color:#fff;font-weight:600}" +
    ".qa-w-log{flex:1;overflow:auto;padding:10px 14px}.qa-w-q{font-weight:600;margin:10px 0 4px}" +
    ".qa-w-card{border:1px solid #e5e7eb;border-radius:8px;padding:6px 9px;margin:6px 0;white-space:pre-line}" +
    ".qa-w-src{white-space:normal}" +
    ".qa-w-card mark{background:#fff3bf}.qa-w-src{color:#555;font-size:13px}" +
    ".qa-w-form{display:flex;border-top:1px solid #eee}.qa-w-form input{flex:1;border:0;padding:12px;font:inherit}" +
    ".qa-w-form button{border:0;background:#f08c00;color:#fff;padding:0 16px;font:inherit;cursor:pointer}";
  document.head.appendChild(style);

  var button = el("button", { type: "button", "class": "qa-w-btn", "aria-label": title }, "💬 " + title);
  var panel = el("div", { "class": "qa-w-panel", role: "dialog", "aria-label": title });
  var log = el("div", { "class": "qa-w-log", "aria-live": "polite" });
  var form = el("form", { "class": "qa-w-form" });
  var input = el("input", { type: "text", name: "q", placeholder: "输入问题，按 Enter 发送", "aria-label": "问题" });
  form.appendChild(input);
  form.appendChild(el("button", { type: "submit" }, "发送"));
  panel.appendChild(el("div", { "class": "qa-w-head" }, title));
  panel.appendChild(log);
  panel.appendChild(form);
  document.body.appendChild(panel);
  document.body.appendChild(button);
  button.addEventListener("click", function () {
    panel.classList.toggle("open");
    if (panel.classList.contains("open")) input.focus();
  });

  function card(p) {
    var box = el("div", { "class": "qa-w-card", title: "score " + p.score });
    box.appendChild(el("b", {}, "[" + p.rank + "] "));
    box.appendChild(document.createTextNode(p.text.slice(0, p.quote_start)));
    box.appendChild(el("mark", {}, p.text.slice(p.quote_start, p.quote_end)));
    box.appendChild(document.createTextNode(p.text.slice(p.quote_end)));
    var s = p.source;
    var page = s.page ? "第 " + s.page + " 页" : null;  // PDFs only
    var section = s.section ? s.section.split(" › ").join(" · ") : null;  // 第二章 受理 · 第五条
    var line = [s.title, section, s.publisher, s.date, page, "第 " + s.paragraph + " 段"].filter(Boolean).join(" · ");
    var src = el("div", { "class": "qa-w-src" }, "来源：" + line + " · ");
    var link = el("a", { href: base + "/doc/" + encodeURIComponent(s.doc_id) + "?p=" + s.paragraph + "#p" + s.paragraph,
                         target: "_blank", rel: "noopener" }, "查看原文");
    src.appendChild(link);
    box.appendChild(src);
    return box;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var question = input.value.trim();
    if (!question) return;
    input.value = "";
    log.appendChild(el("div", { "class": "qa-w-q" }, question));
    var out = el("div", {}, "检索中…");
    log.appendChild(out);
    fetch(base + "/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-QA-Source": "widget" },  // the console's log tells widget questions apart
      body: JSON.stringify({ question: question, history: history.slice(-10), top_k: 3 })
    }).then(function (r) { return r.json(); }).then(function (data) {
      out.textContent = "";
      if (data.error) { out.textContent = "⚠️ " + data.error.message; return; }
      history.push(question);
      if (!data.answered) { out.textContent = data.message; return; }
      data.passages.forEach(function (p) { out.appendChild(card(p)); });
      log.scrollTop = log.scrollHeight;
    }).catch(function () { out.textContent = "⚠️ 无法连接问答服务 / cannot reach the bot"; });
  });
})();
