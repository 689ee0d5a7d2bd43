/* 中文文档问答 widget / the embeddable document Q&A widget (plain JS, no build step, no dependencies).
 *
 *   <script src="https://BOT/widget.js" data-app-key="pk_…" defer></script>
 *
 * Options, as data-* attributes or as QAWidget.init({...}) keys (explicit options win over the app's):
 *   data-app-key / appKey   public key of an app: title, welcome, examples, lang, top_k come from BOT/api/apps/config
 *   data-token / token      short-lived token signed by your backend (init() also takes a function → string or Promise)
 *   data-title / title      data-color / color (CSS colour)      data-position / position ("right" | "left")
 *   data-open="true" / open data-welcome / welcome               data-examples="问题一|问题二" / examples: [..]
 *   data-lang / lang ("zh" | "en")   data-top-k / topK (1..10)   data-kb / kb (knowledge base, without a key)
 *   data-inline="true" / inline: true, container: element (no button: the panel fills the script's parent,
 *     or data-container="#css-selector")
 *   data-manual="true"      make no widget from this tag: call QAWidget.init({server: "https://BOT", ...}) yourself
 * API: QAWidget.open() · close() · ask("问题") → Promise of the answer JSON · on(event, fn) · off(event, fn)
 *   act on the first widget; QAWidget.instances, QAWidget.get(appKeyOrIndex) → a widget with the same
 *   methods and .element (its shadow host). Events: "answer" {app, question, answer} and "citation-click"
 *   {app, passage}; fn gets that detail; also dispatched on window as CustomEvent "qa-widget:answer" / …
 * The page's origin must be allowed by the bot (QA_ALLOWED_ORIGINS, or the app's origins).
 * Everything renders in a shadow root; text from the server or a document is only ever set as
 * textContent (never innerHTML), and only http(s) URLs become links. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (window.QAWidget && window.QAWidget.fromScript) {  // included twice: one global, one more widget
    if (script) window.QAWidget.fromScript(script);
    return;
  }
  var scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : null;
  var MAX_Z = "2147483647";
  var STEP = 70;  // px between stacked buttons on one side
  var KEEP = 40;  // log entries kept in sessionStorage
  var TEXT = {
    zh: { title: "文档问答", placeholder: "输入问题，按 Enter 发送", question: "问题", send: "发送", close: "关闭",
          searching: "检索中…", source: "来源：", link: "查看原文", page: "第 {} 页", para: "第 {} 段",
          examples: "示例问题", offline: "无法连接问答服务", failed: "服务出错（{}）" },
    en: { title: "Document Q&A", placeholder: "Ask a question, press Enter", question: "Question", send: "Send",
          close: "Close", searching: "Searching…", source: "Source: ", link: "Open source", page: "p. {}",
          para: "para. {}", examples: "Example questions", offline: "Cannot reach the bot", failed: "Server error ({})" }
  };
  var FROM_APP = { title: "title", welcome: "welcome", examples: "examples", lang: "lang", top_k: "topK", kb: "kb" };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function fill(template, value) { return template.replace("{}", value); }
  function noop() {}
  // A phone: narrow, or turned sideways (a floating panel would leave too little height to read in).
  var PHONE = "(max-width: 600px), (max-height: 500px)";
  function isPhone() { return window.matchMedia(PHONE).matches; }

  function safeUrl(value) {  // an absolute http(s) URL, or null (never javascript:, data:, …)
    if (typeof value !== "string" || !value) return null;
    try {
      var url = new URL(value, location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) { return null; }
  }

  function fromAttributes(s) {  // the options written on a script tag
    function a(name) { var v = s.getAttribute("data-" + name); return v === null || v === "" ? undefined : v; }
    var container = a("container") ? document.querySelector(a("container")) : s.parentNode;
    return {
      server: s.src ? new URL(s.src, location.href).origin : undefined,
      appKey: a("app-key"), token: a("token"), title: a("title"), color: a("color"), position: a("position"),
      open: a("open") === undefined ? undefined : a("open") === "true", welcome: a("welcome"),
      examples: a("examples") === undefined ? undefined : a("examples").split("|"),
      lang: a("lang"), topK: a("top-k"), kb: a("kb"), inline: a("inline") === "true",
      container: container && container !== document.head ? container : null
    };
  }

  function normalise(o) {  // checked options with their defaults, once the app's config is merged in
    var lang = o.lang === "en" ? "en" : "zh";
    var k = parseInt(o.topK, 10);
    var color = typeof o.color === "string" && window.CSS && CSS.supports("color", o.color) ? o.color : "#f08c00";
    var examples = Array.isArray(o.examples) ? o.examples : [];
    return {
      lang: lang, title: o.title ? String(o.title) : TEXT[lang].title, color: color,
      welcome: o.welcome ? String(o.welcome) : "", topK: k >= 1 && k <= 10 ? k : 3, kb: o.kb ? String(o.kb) : null,
      examples: examples.map(function (q) { return String(q).trim(); }).filter(Boolean).slice(0, 8)
    };
  }

  function readJson(response) {  // → the JSON body; rejects with the body's {code, message, message_en} on an error
    return response.json().catch(function () { return {}; }).then(function (data) {
      if (data && data.error) throw data.error;
      if (!response.ok) throw { code: "http_" + response.status, status: response.status };
      return data;
    });
  }

  function css(color, side, bottom, inline) {
    var rules = [
      "*{box-sizing:border-box}",
      ".qa-w-btn{position:fixed;" + side + ":20px;bottom:" + bottom + "px;max-width:calc(100vw - 40px);" +
        "border:0;border-radius:28px;padding:14px 18px;background:" + color + ";color:#fff;" +
        "font:600 15px/1.2 system-ui,sans-serif;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.2);" +
        "white-space:nowrap;overflow:hidden;text-overflow:ellipsis}",
      ".qa-w-panel{position:fixed;" + side + ":20px;bottom:" + (bottom + 60) + "px;width:min(420px,calc(100vw - 40px));" +
        "max-height:min(640px,calc(100vh - " + (bottom + 80) + "px));display:none;flex-direction:column;" +
        "background:#fff;color:#222;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);" +
        "font:15px/1.7 system-ui,sans-serif;text-align:left;overflow:hidden}",
      ".qa-w-panel.open{display:flex}",
      ".qa-w-head{display:flex;align-items:center;gap:8px;padding:6px 8px 6px 14px;min-height:48px;" +
        "background:" + color + ";color:#fff;font-weight:600}",
      ".qa-w-head span{flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}",
      ".qa-w-close{flex:none;width:40px;height:40px;border:0;border-radius:8px;background:rgba(0,0,0,.15);" +
        "color:#fff;font:400 24px/1 system-ui,sans-serif;cursor:pointer}",
      ".qa-w-log{position:relative;flex:1;min-height:120px;overflow:auto;overscroll-behavior:contain;padding:10px 14px}",
      ".qa-w-welcome{color:#444;white-space:pre-line}",
      ".qa-w-chips{display:flex;flex-wrap:wrap;gap:6px;margin:8px 0}",
      ".qa-w-chip{border:1px solid " + color + ";border-radius:16px;background:#fff;color:#222;padding:3px 12px;" +
        "font:inherit;font-size:14px;cursor:pointer;text-align:left}",
      ".qa-w-q{font-weight:600;margin:10px 0 4px;white-space:pre-line}",
      ".qa-w-card{border:1px solid #e5e7eb;border-radius:8px;padding:6px 9px;margin:6px 0;white-space:pre-line}",
      ".qa-w-card mark{background:#fff3bf;color:inherit}",
      ".qa-w-src{white-space:normal;color:#555;font-size:13px}",
      ".qa-w-src a{color:#1864ab}",
      ".qa-w-form{display:flex;border-top:1px solid #eee}",
      ".qa-w-form input{flex:1;min-width:0;border:0;padding:12px;font:inherit;color:#222;background:#fff}",
      ".qa-w-form button{border:0;background:" + color + ";color:#fff;padding:0 16px;font:inherit;cursor:pointer}",
      ":focus-visible{outline:3px solid #1c7ed6;outline-offset:2px}",
      ".qa-w-form :focus-visible{outline-offset:-3px}",
      "button:disabled,input:disabled{opacity:.6;cursor:not-allowed}"
    ];
    if (inline) {
      rules.push(".qa-w-panel{position:relative;inset:auto;display:flex;width:100%;height:100%;max-height:none;" +
                 "border-radius:0;box-shadow:none}");
    } else {  // phones: the open panel is the whole screen (100vh for browsers without dvh)
      rules.push("@media " + PHONE + "{.qa-w-panel{inset:0;width:auto;height:100vh;height:100dvh;" +
                 "max-height:none;border-radius:0}}");
    }
    return rules.join("\n");
  }

  // The host's own style is inline and !important, which beats any page rule (even !important) aimed at it;
  // `all:initial` also stops inherited page fonts and colours from reaching inside the shadow root.
  var HOST_FLOATING = "all:initial!important;display:block!important;position:fixed!important;left:0!important;" +
    "bottom:0!important;width:0!important;height:0!important;overflow:visible!important;z-index:" + MAX_Z + "!important";
  var HOST_INLINE = "all:initial!important;display:block!important;position:relative!important;" +
    "width:100%!important;height:100%!important";

  function Widget(opts, index) {
    var self = this;
    this.opts = opts;
    this.index = index;
    this.appKey = opts.appKey ? String(opts.appKey) : null;
    this.server = String(opts.server || scriptOrigin || location.origin).replace(/\/+$/, "");
    this.inline = !!opts.inline;
    this.side = opts.position === "left" ? "left" : "right";
    // Each earlier floating widget on this side lifts this one's button (and panel) by STEP px.
    this.slot = this.inline ? 0 : QAWidget.instances.filter(function (w) {
      return !w.inline && w.side === self.side;
    }).length;
    this.listeners = {};
    this.history = [];
    this.entries = [];
    this.storeKey = "qa-widget:" + this.server + "|" + (this.appKey || "#" + index);
    this.element = el("qa-widget", { style: this.inline ? HOST_INLINE : HOST_FLOATING });
    this.root = this.element.attachShadow({ mode: "open" });
    var mount = function () { (self.inline && opts.container || document.body).appendChild(self.element); };
    if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
    this.ready = this.loadConfig().then(function (failure) { self.build(failure); });
  }

  Widget.prototype.loadConfig = function () {  // → null, or the error that stops this widget
    var opts = this.opts;
    if (!this.appKey) return Promise.resolve(null);
    return fetch(this.server + "/api/apps/config", { headers: { "X-QA-Key": this.appKey } })
      .then(readJson)
      .then(function (config) {
        Object.keys(FROM_APP).forEach(function (k) {
          var name = FROM_APP[k];
          if (opts[name] === undefined && config[k] != null) opts[name] = config[k];
        });
        return null;
      })
      .catch(function (err) { return err || {}; });
  };

  Widget.prototype.errorText = function (err) {  // the server's message in this widget's language
    var t = this.t;
    if (err && typeof err.code === "string" && err.message) {  // an error body of the bot
      return String(this.o.lang === "en" && err.message_en ? err.message_en : err.message);
    }
    return err && err.status ? fill(t.failed, err.status) : t.offline;  // a network failure has no code
  };

  Widget.prototype.build = function (failure) {
    var self = this, o = this.o = normalise(this.opts), t = this.t = TEXT[o.lang];
    var id = "qa-w-panel-" + this.index;
    var style = el("style");
    style.textContent = css(o.color, this.side, 20 + STEP * this.slot, this.inline);
    var panel = this.panel = el("div", { "class": "qa-w-panel", id: id, role: "dialog", "aria-label": o.title,
                                         lang: o.lang === "en" ? "en" : "zh-CN" });
    var head = el("div", { "class": "qa-w-head" });
    head.appendChild(el("span", {}, o.title));
    this.log = el("div", { "class": "qa-w-log", "aria-live": "polite" });
    var form = el("form", { "class": "qa-w-form" });
    this.input = el("input", { type: "text", name: "q", placeholder: t.placeholder, "aria-label": t.question,
                               autocomplete: "off", maxlength: "1000" });
    var send = el("button", { type: "submit" }, t.send);
    form.appendChild(this.input);
    form.appendChild(send);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var question = self.input.value.trim();
      if (!question) return;
      self.input.value = "";
      self.ask(question).catch(noop);  // the panel shows the error
    });
    this.root.appendChild(style);
    this.root.appendChild(panel);
    if (!this.inline) {
      var close = el("button", { type: "button", "class": "qa-w-close", "aria-label": t.close, title: t.close }, "×");
      close.addEventListener("click", function () { self.close(true); });
      head.appendChild(close);
      this.button = el("button", { type: "button", "class": "qa-w-btn", "aria-expanded": "false",
                                   "aria-controls": id, "aria-label": o.title }, "💬 " + o.title);
      this.button.addEventListener("click", function () { if (self.isOpen()) self.close(); else self.open(); });
      this.root.appendChild(this.button);
      this.root.addEventListener("keydown", function (event) {
        if (event.key === "Escape" && self.isOpen()) { event.stopPropagation(); self.close(true); }
      });
    }
    panel.appendChild(head);
    panel.appendChild(this.log);
    panel.appendChild(form);
    if (failure) {  // no app config: say why instead of answering, and leave the form unusable
      this.failure = failure;
      this.log.appendChild(el("div", { "class": "qa-w-error", role: "alert" }, "⚠️ " + this.errorText(failure)));
      this.input.disabled = send.disabled = true;
    } else {
      this.intro();
      this.restore();
    }
    if (this.inline) panel.classList.add("open");
    else if (this.wantOpen !== undefined ? this.wantOpen : this.opts.open) this.open();
  };

  Widget.prototype.intro = function () {  // the welcome text and the example questions, above the conversation
    var self = this, o = this.o;
    if (o.welcome) this.log.appendChild(el("div", { "class": "qa-w-welcome" }, o.welcome));
    if (!o.examples.length) return;
    var chips = el("div", { "class": "qa-w-chips", role: "group", "aria-label": this.t.examples });
    o.examples.forEach(function (question) {
      var chip = el("button", { type: "button", "class": "qa-w-chip" }, question);
      chip.addEventListener("click", function () { self.ask(question).catch(noop); });
      chips.appendChild(chip);
    });
    this.log.appendChild(chips);
  };

  Widget.prototype.isOpen = function () { return !!this.panel && this.panel.classList.contains("open"); };

  Widget.prototype.open = function () {
    var self = this;
    if (!this.panel) { this.wantOpen = true; return this; }  // still loading the app's config
    if (this.inline) { this.input.focus(); return this; }
    // Two open panels on one side (or on a phone, where each fills the screen) would cover each other.
    QAWidget.instances.forEach(function (w) { if (w !== self && (w.side === self.side || isPhone())) w.close(); });
    this.panel.classList.add("open");
    this.button.setAttribute("aria-expanded", "true");
    if (!this.input.disabled) this.input.focus();
    return this;
  };

  Widget.prototype.close = function (focusButton) {
    if (!this.panel) { this.wantOpen = false; return this; }
    if (this.inline || !this.isOpen()) return this;
    this.panel.classList.remove("open");
    this.button.setAttribute("aria-expanded", "false");
    if (focusButton) this.button.focus();
    return this;
  };

  Widget.prototype.token = function () {  // a function lets the page mint a fresh short-lived token per question
    var token = this.opts.token;
    return Promise.resolve(typeof token === "function" ? token() : token);
  };

  Widget.prototype.ask = function (text) {
    var self = this;
    return this.ready.then(function () {
      var question = String(text === undefined || text === null ? "" : text).trim();
      if (!question) throw new Error("QAWidget.ask: empty question");
      if (self.failure) {  // the app's settings could not be read (a copied key, a revoked app): say why
        var failed = new Error(self.errorText(self.failure));
        failed.code = self.failure.code;
        throw failed;
      }
      self.open();
      self.add({ q: question });
      var pending = el("div", { "class": "qa-w-a" }, self.t.searching);
      self.log.appendChild(pending);
      self.log.scrollTop = self.log.scrollHeight;
      return self.token().then(function (token) {
        var headers = { "Content-Type": "application/json", "X-QA-Source": "widget" };  // the console's log tells widget questions apart
        if (self.appKey) headers["X-QA-Key"] = self.appKey;
        if (token) headers.Authorization = "Bearer " + token;
        var body = { question: question, history: self.history.slice(-10), top_k: self.o.topK };
        if (self.o.kb && !self.appKey) body.kb = self.o.kb;
        return fetch(self.server + "/api/ask", { method: "POST", headers: headers, body: JSON.stringify(body) });
      }).then(readJson).then(function (data) {
        self.history = self.history.concat([question]).slice(-10);
        self.add({ a: { answered: data.answered, message: data.message, message_en: data.message_en,
                        passages: data.passages || [] } }, pending);
        self.emit("answer", { question: question, answer: data });
        return data;
      }, function (err) {
        var message = self.errorText(err);
        self.add({ e: message }, pending);
        var error = new Error(message);
        error.code = err && err.code;
        error.data = err;
        throw error;
      });
    });
  };

  Widget.prototype.add = function (entry, replacing) {  // show one log entry and keep it for a reload
    var node = this.render(entry);
    if (replacing) this.log.replaceChild(node, replacing); else this.log.appendChild(node);
    if (entry.a) this.log.scrollTop = node.offsetTop - 40;  // show the answer from its start
    this.entries = this.entries.concat([entry]).slice(-KEEP);
    this.save();
  };

  Widget.prototype.render = function (entry) {  // textContent only: entries may come back from sessionStorage
    var self = this;
    if (entry.q !== undefined) return el("div", { "class": "qa-w-q" }, String(entry.q));
    if (entry.e !== undefined) return el("div", { "class": "qa-w-a qa-w-error" }, "⚠️ " + String(entry.e));
    var a = entry.a || {}, out = el("div", { "class": "qa-w-a" });
    if (!a.answered || !Array.isArray(a.passages)) {
      out.textContent = String((this.o.lang === "en" && a.message_en) || a.message || "");
      return out;
    }
    a.passages.forEach(function (p) { if (p && typeof p === "object") out.appendChild(self.card(p)); });
    return out;
  };

  Widget.prototype.card = function (p) {
    var self = this, t = this.t, s = p.source || {}, text = String(p.text || "");
    var box = el("div", { "class": "qa-w-card", title: "score " + p.score });
    box.appendChild(el("b", {}, "[" + p.rank + "] "));
    box.appendChild(document.createTextNode(text.slice(0, p.quote_start)));
    box.appendChild(el("mark", {}, text.slice(p.quote_start, p.quote_end)));
    box.appendChild(document.createTextNode(text.slice(p.quote_end)));
    var section = s.section ? String(s.section).split(" › ").join(" · ") : null;  // 第二章 受理 · 第五条
    var page = s.page ? fill(t.page, s.page) : null;  // PDFs only
    var para = s.paragraph ? fill(t.para, s.paragraph) : null;  // 0: the page's header (its source line)
    var line = [s.title, section, s.publisher, s.date, page, para].filter(Boolean).join(" · ");
    var src = el("div", { "class": "qa-w-src" }, t.source + line + " · ");
    var n = encodeURIComponent(s.paragraph);
    var href = safeUrl(p.link) || safeUrl(this.server + "/doc/" + encodeURIComponent(s.doc_id) + "?p=" + n +
                                          (this.o.lang === "en" ? "&lang=en" : "") + "#p" + n);
    var link = href ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, t.link) : el("span", {}, t.link);
    link.addEventListener("click", function () { self.emit("citation-click", { passage: p }); });
    src.appendChild(link);
    box.appendChild(src);
    return box;
  };

  Widget.prototype.save = function () {
    try {
      sessionStorage.setItem(this.storeKey, JSON.stringify({ history: this.history, entries: this.entries }));
    } catch (e) { /* storage full or blocked (sandboxed frame): the conversation just won't survive a reload */ }
  };

  Widget.prototype.restore = function () {
    try {
      var saved = JSON.parse(sessionStorage.getItem(this.storeKey) || "null");
      if (!saved || !Array.isArray(saved.entries)) return;
      this.history = (Array.isArray(saved.history) ? saved.history : []).map(String).slice(-10);
      this.entries = saved.entries.slice(-KEEP);
      var self = this;
      this.entries.forEach(function (entry) { if (entry) self.log.appendChild(self.render(entry)); });
      this.log.scrollTop = this.log.scrollHeight;
    } catch (e) { this.history = []; this.entries = []; }
  };

  Widget.prototype.on = function (name, fn) {
    (this.listeners[name] = this.listeners[name] || []).push(fn);
    return this;
  };

  Widget.prototype.off = function (name, fn) {
    this.listeners[name] = (this.listeners[name] || []).filter(function (f) { return f !== fn; });
    return this;
  };

  Widget.prototype.emit = function (name, detail) {
    detail.app = this.appKey;
    (this.listeners[name] || []).slice().forEach(function (fn) {
      try { fn(detail); } catch (e) { setTimeout(function () { throw e; }); }  // one bad listener must not stop the rest
    });
    window.dispatchEvent(new CustomEvent("qa-widget:" + name, { detail: detail }));
  };

  function first() {
    if (!QAWidget.instances.length) throw new Error("QAWidget: no widget on this page yet");
    return QAWidget.instances[0];
  }

  var QAWidget = {
    instances: [],
    init: function (opts) {
      var widget = new Widget(opts || {}, QAWidget.instances.length);
      QAWidget.instances.push(widget);
      return widget;
    },
    fromScript: function (s) { return s.getAttribute("data-manual") === "true" ? null : QAWidget.init(fromAttributes(s)); },
    get: function (keyOrIndex) {
      if (typeof keyOrIndex === "number") return QAWidget.instances[keyOrIndex] || null;
      return QAWidget.instances.filter(function (w) { return w.appKey === keyOrIndex; })[0] || null;
    },
    open: function () { return first().open(); },
    close: function () { return first().close(); },
    ask: function (question) {
      try { return first().ask(question); } catch (e) { return Promise.reject(e); }
    },
    on: function (name, fn) { return first().on(name, fn); },
    off: function (name, fn) { return first().off(name, fn); }
  };
  window.QAWidget = QAWidget;
  if (script) QAWidget.fromScript(script);
})();
