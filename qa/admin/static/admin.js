/* The site owner's console. Everything comes from /api/admin/…; every string from a document or a
   visitor goes into the page as text (textContent), never as HTML. */
(function () {
  "use strict";

  var T = {
    zh: {
      title: "文档问答 · 管理后台", logout: "退出", signin: "登录", token: "管理员令牌（QA_ADMIN_TOKEN）",
      "signin-btn": "登录", "tab-docs": "文档", "tab-test": "命中测试", "tab-log": "对话记录",
      "tab-report": "未解决问题", drop: "把文件拖到这里，或", pick: "选择文件", types: "txt · md · html · pdf · docx",
      search: "搜索标题、文件名、发布者", "reindex-all": "全部重新索引", "col-title": "标题",
      "col-publisher": "发布者", "col-date": "日期", "col-passages": "段落", "col-size": "大小",
      "col-status": "状态", "col-indexed": "索引时间", "col-url": "原文链接", "col-author": "作者", "col-actions": "操作", ask: "输入访客会问的问题",
      "test-btn": "测试", term: "加入分词词典的词，如 电子送达平台", "term-btn": "加入词典", "search-q": "搜索问题",
      all: "全部", refused: "未回答", answered: "已回答", disliked: "👎", export: "导出 CSV", more: "更多",
      "report-help": "访客问过、资料没能回答（或点了 👎）的问题，按意思归组，问得最多的在前。可以把某段原文设为答案，或标记为超出范围。",
      pins: "已固定的答案", queued: "排队中", parsing: "解析中", embedding: "向量化中", indexed: "已索引",
      failed: "失败", new: "未索引", view: "查看", edit: "编辑", reindex: "重新索引", retry: "重试", del: "删除",
      confirmDelete: "确定删除「{0}」吗？文件和它的元数据会从语料中移除。", save: "保存", close: "关闭",
      on: "启用", off: "停用", passagesOf: "段落（停用的段落永远不会被引用）", droppedOf: "删去的内容",
      headingsOf: "标题结构", saved: "已保存，正在重新索引", refusedUpload: "被拒绝", wrongToken: "令牌不正确",
      decision: "决定", answeredYes: "回答", answeredNo: "拒答", noAnswerP: "无答案概率", terms: "问题词",
      matched: "命中词", feature: "特征", value: "值", contribution: "贡献", pinned: "（固定答案）",
      pinIt: "设为答案", outOfScope: "超出范围", asked: "问了 {0} 次", unpin: "取消固定", empty: "暂无",
      overview: "{0} 篇文档 · {1} 段 · 记录 {2} 个问题", busy: "索引中…", termAdded: "已加入，{0} 段将重新分词",
      source: { chat: "聊天", api: "API", widget: "挂件" }, lockedOut: "尝试过多，请稍后再试",
      "kb-label": "知识库", kbOption: "{0}（{1} 篇）", "tab-apps": "嵌入应用",
      "apps-help": "应用把一个知识库嵌入到你的网站：公钥写在网页里，只在列出的网站上有效；密钥留在网站后端，用来签发访客令牌。",
      "col-app": "应用", "col-kb": "知识库", "col-origins": "允许的网站", "col-key": "公钥", "col-limits": "限制", "col-state": "状态",
      "app-new": "新建应用", "app-editing": "编辑应用「{0}」", "app-id": "应用编号（小写字母、数字、- 和 _）", "app-title": "标题",
      "app-welcome": "欢迎语", "app-examples": "示例问题（每行一个，最多 8 个）", "app-origins": "允许嵌入的网站（每行一个，如 https://www.example.com）",
      "app-topk": "显示的段落数", "app-lang": "语言", "app-rate": "每位访客每分钟提问数（0 = 服务器默认）", "app-quota": "每日额度（0 = 不限）",
      "app-create": "创建应用", cancel: "取消", builtin: "内置（QA_ALLOWED_ORIGINS，只读）", noKey: "无需密钥", stateOn: "启用中", stateOff: "已停用",
      onlyHere: "仅本站与服务器调用", perMinute: "每人每分钟 {0} 次", rateDefault: "频率按服务器默认", perDay: "每天 {0} 次", noQuota: "不限额",
      rotate: "更换密钥", turnOff: "停用", turnOn: "启用",
      confirmRotate: "更换应用「{0}」的密钥？旧密钥立即失效，已嵌入的网页需要换上新的代码。",
      confirmDeleteApp: "确定删除应用「{0}」吗？它的公钥和密钥立即失效。", created: "已创建应用「{0}」", rotated: "应用「{0}」已换上新密钥",
      updatedApp: "已保存应用「{0}」", embedHelp: "把下面的代码放进网站的网页：", widgetSnippet: "网页挂件（script）", iframeSnippet: "整页聊天（iframe）",
      secret: "密钥（secret）", secretWarn: "请保存到网站后端，之后不再显示。不要写进网页。", copy: "复制", copied: "已复制", copyFailed: "请手动复制"
    },
    en: {
      title: "Document QA · Console", logout: "Sign out", signin: "Sign in", token: "Admin token (QA_ADMIN_TOKEN)",
      "signin-btn": "Sign in", "tab-docs": "Documents", "tab-test": "Retrieval test", "tab-log": "Conversations",
      "tab-report": "Unanswered", drop: "Drop files here, or", pick: "choose files", types: "txt · md · html · pdf · docx",
      search: "Search title, file, publisher", "reindex-all": "Re-index all", "col-title": "Title",
      "col-publisher": "Publisher", "col-date": "Date", "col-passages": "Passages", "col-size": "Size",
      "col-status": "Status", "col-indexed": "Indexed", "col-url": "URL", "col-author": "Author", "col-actions": "Actions", ask: "A question a visitor would ask",
      "test-btn": "Test", term: "A word jieba must keep whole", "term-btn": "Add to dictionary", "search-q": "Search questions",
      all: "All", refused: "Refused", answered: "Answered", disliked: "👎", export: "Export CSV", more: "More",
      "report-help": "Questions visitors asked that the documents did not answer (or got a 👎), grouped by meaning, most asked first. Pin a passage as the answer, or mark the group out of scope.",
      pins: "Pinned answers", queued: "queued", parsing: "parsing", embedding: "embedding", indexed: "indexed",
      failed: "failed", new: "not indexed", view: "View", edit: "Edit", reindex: "Re-index", retry: "Retry", del: "Delete",
      confirmDelete: "Delete “{0}”? The file and its metadata leave the corpus.", save: "Save", close: "Close",
      on: "On", off: "Off", passagesOf: "Passages (an off passage is never quoted)", droppedOf: "Dropped",
      headingsOf: "Headings", saved: "Saved; re-indexing", refusedUpload: "refused", wrongToken: "Wrong token",
      decision: "Decision", answeredYes: "answer", answeredNo: "refuse", noAnswerP: "no-answer probability", terms: "Terms",
      matched: "matched", feature: "feature", value: "value", contribution: "contribution", pinned: " (pinned)",
      pinIt: "Pin as answer", outOfScope: "Out of scope", asked: "asked {0}×", unpin: "Unpin", empty: "Nothing yet",
      overview: "{0} documents · {1} passages · {2} questions logged", busy: "indexing…", termAdded: "Added; {0} passages re-tokenized",
      source: { chat: "chat", api: "API", widget: "widget" }, lockedOut: "Too many attempts; try later",
      "kb-label": "Knowledge base", kbOption: "{0} ({1} docs)", "tab-apps": "Apps",
      "apps-help": "An app embeds one knowledge base in your site: its public key goes into the page and works only on the sites listed; its secret stays on your site's backend and signs visitor tokens.",
      "col-app": "App", "col-kb": "Knowledge base", "col-origins": "Allowed sites", "col-key": "Public key", "col-limits": "Limits", "col-state": "State",
      "app-new": "New app", "app-editing": "Edit app “{0}”", "app-id": "App id (a-z, 0-9, - and _)", "app-title": "Title",
      "app-welcome": "Welcome text", "app-examples": "Example questions (one a line, at most 8)", "app-origins": "Sites allowed to embed it (one a line, like https://www.example.com)",
      "app-topk": "Passages shown", "app-lang": "Language", "app-rate": "Questions per visitor per minute (0 = the server's default)", "app-quota": "Daily quota (0 = none)",
      "app-create": "Create app", cancel: "Cancel", builtin: "built in (QA_ALLOWED_ORIGINS, read-only)", noKey: "no key", stateOn: "on", stateOff: "off (revoked)",
      onlyHere: "this server and server-side calls only", perMinute: "{0} per visitor per minute", rateDefault: "server's default rate", perDay: "{0} a day", noQuota: "no quota",
      rotate: "Rotate key", turnOff: "Turn off", turnOn: "Turn on",
      confirmRotate: "Rotate the key of app “{0}”? The old key stops working now; pages that embed it need the new code.",
      confirmDeleteApp: "Delete app “{0}”? Its key and secret stop working now.", created: "App “{0}” created", rotated: "App “{0}” has a new key",
      updatedApp: "App “{0}” saved", embedHelp: "Put this code in your site's pages:", widgetSnippet: "Widget (script)", iframeSnippet: "Full-page chat (iframe)",
      secret: "Secret", secretWarn: "Keep it on your site's backend; it is not shown again. Never put it in a page.", copy: "Copy", copied: "Copied", copyFailed: "Copy it by hand"
    }
  };
  var lang = "zh";  // Chinese first; the owner's switch to English is remembered in this browser
  try { if (window.localStorage.getItem("qa-console-lang") === "en") lang = "en"; } catch (e) { /* storage off */ }
  var csrf = null;
  var kb = "default";  // the knowledge base every console call is about (?kb=), kept for this tab's session
  try { kb = window.sessionStorage.getItem("qa-console-kb") || "default"; } catch (e) { /* storage off */ }
  var kbs = [];
  var sort = { key: "title", order: "asc" };
  var logOffset = 0;
  var polling = null;

  function t(key) {
    var args = Array.prototype.slice.call(arguments, 1);
    var text = T[lang][key] !== undefined ? T[lang][key] : key;
    return typeof text === "string" ? text.replace(/\{(\d)\}/g, function (_, i) { return String(args[+i]); }) : text;
  }
  function $(id) { return document.getElementById(id); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "class") node.className = attrs[k]; else node.setAttribute(k, attrs[k]);
    });
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function translate() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-t]").forEach(function (n) { n.textContent = t(n.getAttribute("data-t")); });
    document.querySelectorAll("[data-tp]").forEach(function (n) { n.placeholder = t(n.getAttribute("data-tp")); });
    document.querySelectorAll("[data-ta]").forEach(function (n) { n.setAttribute("aria-label", t(n.getAttribute("data-ta"))); });
    $("lang").textContent = lang === "zh" ? "English" : "中文";
  }

  function withKb(path) { return path + (path.indexOf("?") >= 0 ? "&" : "?") + "kb=" + encodeURIComponent(kb); }
  function api(method, path, body, isForm) {
    var headers = {};
    if (csrf && method !== "GET") headers["X-CSRF-Token"] = csrf;
    if (body && !isForm) headers["Content-Type"] = "application/json";
    return fetch("/api/admin" + withKb(path), {
      method: method, headers: headers, credentials: "same-origin",
      body: body ? (isForm ? body : JSON.stringify(body)) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.status === 401 && path !== "/login") { showSignin(); }
        if (!r.ok) {
          var e = data.error || {};
          throw new Error((lang === "zh" ? e.message : e.message_en) || r.statusText);
        }
        return data;
      });
    });
  }

  // sign-in ----------------------------------------------------------------------------------------
  function showSignin() {
    csrf = null;
    $("app").hidden = true; $("logout").hidden = true; $("signin").hidden = false;
    $("token").focus();
  }
  function showApp() {
    $("signin").hidden = true; $("app").hidden = false; $("logout").hidden = false;
    loadKbs().then(function () { loadOverview(); loadDocs(); if (currentTab() === "apps") loadApps(); });
  }
  $("signin-form").addEventListener("submit", function (event) {
    event.preventDefault();
    $("signin-error").textContent = "";
    api("POST", "/login", { token: $("token").value }).then(function (data) {
      csrf = data.csrf; $("token").value = ""; showApp();
    }).catch(function (err) { $("signin-error").textContent = err.message; });
  });
  $("logout").addEventListener("click", function () {
    api("POST", "/logout").finally(showSignin);
  });
  $("lang").addEventListener("click", function () {
    lang = lang === "zh" ? "en" : "zh"; translate();
    try { window.localStorage.setItem("qa-console-lang", lang); } catch (e) { /* storage off */ }
    if (!$("app").hidden) { renderKbs(); loadOverview(); loadDocs(); renderApps(); renderShown(); labelAppForm(); }
  });

  // knowledge bases: the picker in the bar; every call and the CSV link carry the chosen one ---------
  function loadKbs() {
    return api("GET", "/kbs").then(function (data) {
      kbs = data.kbs;
      if (!kbs.some(function (k) { return k.name === kb; })) setKb("default");  // removed since last time
      renderKbs();
    }).catch(function () {});
  }
  function kbLabel(k) { return k.documents === null || k.documents === undefined ? k.name : t("kbOption", k.name, k.documents); }
  function renderKbs() {
    var picker = clear($("kb"));
    kbs.forEach(function (k) {
      var option = el("option", { value: k.name }, kbLabel(k));
      option.selected = k.name === kb;
      picker.appendChild(option);
    });
    picker.hidden = kbs.length < 2;
    fillKbChoices();
  }
  function setKb(name) {
    kb = name;
    try { window.sessionStorage.setItem("qa-console-kb", kb); } catch (e) { /* storage off */ }
    $("export").href = "/api/admin/conversations.csv?kb=" + encodeURIComponent(kb);
  }
  $("kb").addEventListener("change", function () {
    setKb($("kb").value);
    // What was shown belongs to the other knowledge base: drop it, then load this one's.
    $("doc").hidden = true; clear($("uploads")); clear($("test-out")); $("term-out").textContent = "";
    clear(document.querySelector("#docs tbody"));
    loadOverview(); loadDocs();
    var tab = currentTab();
    if (tab === "log") { logOffset = 0; clear($("log")); loadLog(); }
    if (tab === "report") loadReport();
    if (tab === "apps") loadApps();
    if (editing === null) $("app-kb").value = kb;  // a new app is for the knowledge base being looked at
  });
  setKb(kb);

  // tabs -------------------------------------------------------------------------------------------
  function currentTab() {
    var selected = document.querySelector("[role=tab][aria-selected=true]");
    return selected ? selected.dataset.tab : "docs";
  }
  document.querySelectorAll("[role=tab]").forEach(function (tab) {
    tab.addEventListener("click", function () {
      document.querySelectorAll("[role=tab]").forEach(function (b) { b.setAttribute("aria-selected", String(b === tab)); });
      document.querySelectorAll(".tab").forEach(function (p) { p.hidden = p.id !== "tab-" + tab.dataset.tab; });
      if (tab.dataset.tab === "log") { logOffset = 0; clear($("log")); loadLog(); }
      if (tab.dataset.tab === "report") loadReport();
      if (tab.dataset.tab === "apps") loadApps();
    });
  });

  function loadOverview() {
    var asked = kb;
    api("GET", "/overview").then(function (o) {
      if (asked !== kb) return;  // the owner switched knowledge base meanwhile
      $("overview").textContent = t("overview", o.documents, o.passages, o.questions) + (o.busy ? " · " + t("busy") : "");
      kbs.forEach(function (k) { if (k.name === kb) k.documents = o.documents; });  // the picker's count follows uploads
      Array.prototype.forEach.call($("kb").options, function (option) {
        if (option.value === kb) option.textContent = kbLabel({ name: kb, documents: o.documents });
      });
    }).catch(function () {});
  }

  // documents --------------------------------------------------------------------------------------
  function size(n) { return n > 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(n / 1024)) + " KB"; }
  function when(s) {
    if (!s) return "—";
    var d = new Date(s * 1000);
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate()) + " " + two(d.getHours()) + ":" + two(d.getMinutes());
  }

  function loadDocs() {
    var q = encodeURIComponent($("doc-search").value || "");
    var asked = kb;
    return api("GET", "/documents?q=" + q + "&sort=" + sort.key + "&order=" + sort.order).then(function (data) {
      if (asked !== kb) return;
      var body = clear(document.querySelector("#docs tbody"));
      var running = false;
      data.documents.forEach(function (d) {
        var tr = el("tr", { "data-doc": d.doc_id });
        var title = el("td", { class: "title" });
        title.appendChild(el("div", {}, d.title));
        title.appendChild(el("div", { class: "path" }, d.path));
        tr.appendChild(title);
        tr.appendChild(el("td", { class: "wide" }, d.publisher || "—"));
        tr.appendChild(el("td", { class: "wide nowrap" }, d.date || "—"));
        tr.appendChild(el("td", {}, d.passages));
        tr.appendChild(el("td", { class: "wide" }, size(d.size)));
        var status = el("td", { class: "status " + d.status, "data-status": d.status }, t(d.status));
        if (d.status === "embedding") { status.appendChild(el("progress", { max: "1", value: String(d.progress || 0) })); }
        if (d.reason) { status.appendChild(el("div", { class: "error" }, d.reason)); }
        if (["queued", "parsing", "embedding"].indexOf(d.status) >= 0) running = true;
        tr.appendChild(status);
        tr.appendChild(el("td", { class: "wide nowrap" }, when(d.indexed)));
        var actions = el("td", { class: "actions" });
        actions.appendChild(button(t("view"), function () { openDoc(d.doc_id); }));
        actions.appendChild(button(d.status === "failed" ? t("retry") : t("reindex"), function () {
          api("POST", "/documents/" + d.doc_id + "/reindex").then(poll);
        }, "retry"));
        actions.appendChild(button(t("del"), function () {
          if (window.confirm(t("confirmDelete", d.title))) api("DELETE", "/documents/" + d.doc_id).then(poll);
        }, "danger"));
        tr.appendChild(actions);
        body.appendChild(tr);
      });
      if (running) poll();
    });
  }
  function button(text, onClick, cls) {
    var b = el("button", { type: "button", class: cls || "" }, text);
    b.addEventListener("click", onClick);
    return b;
  }
  function poll() {
    if (polling) return;
    polling = setTimeout(function () { polling = null; loadOverview(); loadDocs(); }, 1200);
  }
  document.querySelectorAll("#docs th[data-sort]").forEach(function (th) {
    th.addEventListener("click", function () {
      sort = { key: th.dataset.sort, order: sort.key === th.dataset.sort && sort.order === "asc" ? "desc" : "asc" };
      loadDocs();
    });
  });
  $("doc-search").addEventListener("input", function () { loadDocs(); });
  $("reindex-all").addEventListener("click", function () { api("POST", "/reindex").then(poll); });

  function upload(files) {
    if (!files || !files.length) return;
    var form = new FormData();
    Array.prototype.forEach.call(files, function (f) { form.append("files", f, f.name); });
    api("POST", "/documents", form, true).then(function (data) {
      var list = clear($("uploads"));
      data.files.forEach(function (f) {
        var li = el("li", {}, f.name + " — " + (f.status === "refused" ? t("refusedUpload") + ": " + f.reason : t(f.status)));
        if (f.status === "refused") li.className = "error";
        list.appendChild(li);
      });
      loadDocs(); poll();
    }).catch(function (err) { clear($("uploads")).appendChild(el("li", { class: "error" }, err.message)); });
  }
  $("picker").addEventListener("change", function (e) { upload(e.target.files); e.target.value = ""; });
  var drop = $("drop");
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add("over"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (e) { upload(e.dataTransfer.files); });
  drop.addEventListener("keydown", function (e) { if (e.key === "Enter") $("picker").click(); });

  function openDoc(docId) {
    api("GET", "/documents/" + docId).then(function (d) {
      var box = clear($("doc"));
      box.hidden = false;
      box.appendChild(el("h2", {}, d.title || d.path));
      if (d.skipped) box.appendChild(el("p", { class: "error" }, d.skipped));
      var form = el("form", { class: "meta" });
      [["title", "col-title"], ["publisher", "col-publisher"], ["date", "col-date"], ["url", "col-url"], ["author", "col-author"]].forEach(function (f) {
        var id = "meta-" + f[0];
        form.appendChild(el("label", { for: id }, t(f[1])));
        form.appendChild(el("input", { id: id, name: f[0], type: f[0] === "url" ? "url" : "text", value: d[f[0]] || "", maxlength: f[0] === "url" ? "2000" : "200" }));
      });
      var save = el("button", { type: "submit", class: "primary" }, t("save"));
      form.appendChild(save);
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var body = {};
        ["title", "publisher", "date", "url", "author"].forEach(function (k) { body[k] = form.elements[k].value; });
        api("PUT", "/documents/" + docId + "/meta", body).then(function () { save.textContent = t("saved"); poll(); })
          .catch(function (err) { save.textContent = err.message; });
      });
      box.appendChild(form);
      if (d.headings && d.headings.length) {
        box.appendChild(el("h3", {}, t("headingsOf")));
        var tree = el("ul", {});
        d.headings.forEach(function (h) {
          var item = el("li", {}, h.text);
          item.style.marginLeft = (h.level - 1) + "em";  // CSSOM, not a style attribute: the page's CSP allows no inline style
          tree.appendChild(item);
        });
        box.appendChild(tree);
      }
      box.appendChild(el("h3", {}, t("passagesOf") + " (" + d.passages.length + ")"));
      d.passages.forEach(function (p) {
        var item = el("div", { class: "passage" + (p.enabled ? "" : " off"), "data-passage": p.id });
        var where = [p.heading, p.label].filter(Boolean).join(" › ");
        if (where) item.appendChild(el("div", { class: "path" }, where));
        item.appendChild(el("div", {}, p.text));
        var toggle = button(p.enabled ? t("off") : t("on"), function () {
          api("PUT", "/passages/" + encodeURIComponent(p.id), { enabled: !p.enabled }).then(function () { openDoc(docId); });
        }, "toggle");
        item.appendChild(toggle);
        box.appendChild(item);
      });
      if (d.dropped && d.dropped.length) {
        box.appendChild(el("h3", {}, t("droppedOf") + " (" + d.dropped.length + ")"));
        var list = el("ul", { class: "dropped" });
        d.dropped.forEach(function (x) { list.appendChild(el("li", {}, (lang === "zh" ? x.rule_zh : x.rule_en) + ": " + x.text)); });
        box.appendChild(list);
      }
      box.appendChild(button(t("close"), function () { box.hidden = true; }));
      box.scrollIntoView({ behavior: "smooth" });
    }).catch(function (err) { window.alert(err.message); });
  }

  // retrieval test ---------------------------------------------------------------------------------
  function highlight(node, text, start, end, terms) {
    // The quote as <mark>, the question's terms found elsewhere as <mark class=term>; all as text nodes.
    var marks = [];
    var lower = text.toLowerCase();
    terms.forEach(function (term) {
      var at = lower.indexOf(term);
      while (term && at >= 0) { marks.push([at, at + term.length]); at = lower.indexOf(term, at + term.length); }
    });
    var pos = 0;
    function plain(a, b) {
      var cuts = marks.filter(function (m) { return m[0] >= a && m[1] <= b; }).sort(function (x, y) { return x[0] - y[0]; });
      var p = a;
      cuts.forEach(function (m) {
        if (m[0] < p) return;
        node.appendChild(document.createTextNode(text.slice(p, m[0])));
        node.appendChild(el("mark", { class: "term" }, text.slice(m[0], m[1])));
        p = m[1];
      });
      node.appendChild(document.createTextNode(text.slice(p, b)));
    }
    plain(pos, start);
    node.appendChild(el("mark", {}, text.slice(start, end)));
    plain(end, text.length);
  }
  $("test-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var out = clear($("test-out"));
    api("POST", "/test", { question: $("test-q").value, top_k: 5 }).then(function (r) {
      var head = el("p", { class: "decision" },
        t("decision") + ": " + (r.answered ? t("answeredYes") : t("answeredNo")) +
        (r.no_answer_probability !== null ? " · " + t("noAnswerP") + " " + r.no_answer_probability.toFixed(3) : "") +
        " · " + r.took_ms + " ms");
      out.appendChild(head);
      out.appendChild(el("p", { class: "muted" }, lang === "zh" ? r.message : r.message_en));
      out.appendChild(el("p", { class: "muted" }, t("terms") + ": " + r.terms.map(function (x) { return x.term + " (" + x.weight + ")"; }).join(" · ")));
      var list = el("ul", { class: "plain" });
      r.passages.forEach(function (p) {
        var li = el("li", {});
        li.appendChild(el("div", { class: "path" }, "[" + p.rank + "] " + p.source.title + (p.source.section ? " · " + p.source.section : "") +
          " · " + p.score.toFixed(3) + (p.pinned ? t("pinned") : "")));
        var body = el("div", { class: "passage" });
        highlight(body, p.text, p.quote_start, p.quote_end, p.matched_terms);
        li.appendChild(body);
        li.appendChild(el("div", { class: "muted" }, t("matched") + ": " + (p.matched_terms.join(" · ") || "—")));
        var table = el("table", { class: "features" });
        var header = el("tr", {});
        [t("feature"), t("value"), t("contribution")].forEach(function (h) { header.appendChild(el("th", {}, h)); });
        table.appendChild(header);
        p.features.forEach(function (f) {
          var row = el("tr", {});
          row.appendChild(el("td", {}, f.name)); row.appendChild(el("td", {}, f.value)); row.appendChild(el("td", {}, f.contribution));
          table.appendChild(row);
        });
        li.appendChild(table);
        list.appendChild(li);
      });
      out.appendChild(list);
    }).catch(function (err) { out.appendChild(el("p", { class: "error" }, err.message)); });
  });
  $("term-form").addEventListener("submit", function (event) {
    event.preventDefault();
    api("POST", "/dictionary", { term: $("term").value }).then(function (r) {
      $("term-out").textContent = t("termAdded", r.passages_retokenized); $("term").value = ""; poll();
    }).catch(function (err) { $("term-out").textContent = err.message; });
  });

  // conversations ----------------------------------------------------------------------------------
  function loadLog() {
    var filter = $("log-filter").value;
    var q = "?limit=50&offset=" + logOffset + "&q=" + encodeURIComponent($("log-search").value || "");
    if (filter === "refused") q += "&answered=false";
    if (filter === "answered") q += "&answered=true";
    if (filter === "disliked") q += "&disliked=true";
    var asked = kb;
    api("GET", "/conversations" + q).then(function (data) {
      if (asked !== kb) return;
      if (!data.rows.length && !logOffset) $("log").appendChild(el("li", { class: "muted" }, t("empty")));
      data.rows.forEach(function (r) {
        var li = el("li", {});
        li.appendChild(el("div", { class: "path" }, [r.time_iso, (T[lang].source[r.source] || r.source), r.site || "", r.page || ""].filter(Boolean).join(" · ")));
        li.appendChild(el("div", {}, (r.answered ? "✅ " : "🚫 ") + (r.rating === 1 ? "👍 " : r.rating === -1 ? "👎 " : "") + r.question));
        r.passages.slice(0, 3).forEach(function (p) { li.appendChild(el("div", { class: "muted" }, "《" + p.title + "》 " + p.quote)); });
        $("log").appendChild(li);
      });
      logOffset += data.rows.length;
      $("log-more").hidden = logOffset >= data.total;
    });
  }
  $("log-more").addEventListener("click", loadLog);
  $("log-filter").addEventListener("change", function () { logOffset = 0; clear($("log")); loadLog(); });
  $("log-search").addEventListener("input", function () { logOffset = 0; clear($("log")); loadLog(); });

  // unanswered questions ---------------------------------------------------------------------------
  function loadReport() {
    var asked = kb;
    api("GET", "/report").then(function (data) {
      if (asked !== kb) return;
      var box = clear($("report"));
      if (!data.groups.length) box.appendChild(el("p", { class: "muted" }, t("empty")));
      data.groups.forEach(function (g) {
        var card = el("div", { class: "card group" });
        card.appendChild(el("h3", {}, g.question));
        card.appendChild(el("p", { class: "muted" }, t("asked", g.count) + " · 🚫 " + g.refused + " · 👎 " + g.disliked + " · " + g.last));
        if (g.questions.length > 1) card.appendChild(el("p", { class: "muted" }, g.questions.join(" / ")));
        g.closest.forEach(function (c) {
          var item = el("div", { class: "passage" });
          item.appendChild(el("div", { class: "path" }, c.title + (c.section ? " · " + c.section : "")));
          item.appendChild(el("div", {}, c.text));
          item.appendChild(button(t("pinIt"), function () {
            api("POST", "/pins", { question: g.question, passage_id: c.id }).then(loadReport);
          }, "pin"));
          card.appendChild(item);
        });
        card.appendChild(button(t("outOfScope"), function () {
          api("POST", "/out-of-scope", { question: g.question }).then(loadReport);
        }, "scope"));
        box.appendChild(card);
      });
      var pins = clear($("pins"));
      if (!data.pins.length) pins.appendChild(el("li", { class: "muted" }, t("empty")));
      data.pins.forEach(function (p) {
        var li = el("li", {});
        li.appendChild(el("div", {}, p.question));
        li.appendChild(el("div", { class: "muted" }, "《" + p.title + "》 " + p.quote));
        li.appendChild(button(t("unpin"), function () {
          api("DELETE", "/pins?question=" + encodeURIComponent(p.question)).then(loadReport);
        }));
        pins.appendChild(li);
      });
    }).catch(function (err) { clear($("report")).appendChild(el("p", { class: "error" }, err.message)); });
  }

  // apps: embed keys ------------------------------------------------------------------------------
  var apps = [];
  var shown = null;   // the app (with its secret) whose embed code is on screen, until closed
  var editing = null; // the id of the app the form edits; null: the form adds one

  function loadApps() {
    return api("GET", "/apps").then(function (data) { apps = data.apps; renderApps(); })
      .catch(function (err) { $("app-error").textContent = err.message; });
  }
  function fillKbChoices() {
    var picker = $("app-kb");
    var chosen = picker.value || kb;
    clear(picker);
    (kbs.length ? kbs : [{ name: "default" }]).forEach(function (k) {
      var option = el("option", { value: k.name }, k.name);
      option.selected = k.name === chosen;
      picker.appendChild(option);
    });
  }
  function limits(a) {
    return (a.rate_limit ? t("perMinute", a.rate_limit) : t("rateDefault")) + " · " + (a.daily_quota ? t("perDay", a.daily_quota) : t("noQuota"));
  }
  function renderApps() {
    var body = clear(document.querySelector("#apps tbody"));
    var labels = ["col-app", "col-kb", "col-origins", "col-key", "col-limits", "col-state", "col-actions"];
    apps.forEach(function (a) {
      var builtin = a.id === "default" && !a.key;  // QA_ALLOWED_ORIGINS: changed in the server's settings, not here
      var tr = el("tr", { "data-app": a.id });
      var name = el("td", { class: "title" });
      name.appendChild(el("div", {}, a.id));
      if (a.title) name.appendChild(el("div", { class: "path" }, a.title));
      tr.appendChild(name);
      tr.appendChild(el("td", {}, a.kb));
      var origins = el("td", { class: "origins" });
      if (!a.origins.length) origins.appendChild(el("span", { class: "muted" }, t("onlyHere")));
      a.origins.forEach(function (o) { origins.appendChild(el("div", {}, o)); });
      tr.appendChild(origins);
      var key = el("td", { class: "key" });
      if (a.key) { key.appendChild(el("code", {}, a.key)); key.appendChild(copyButton(a.key)); }
      else key.appendChild(el("span", { class: "muted" }, t("noKey")));
      tr.appendChild(key);
      tr.appendChild(el("td", { class: "wide limits" }, limits(a)));
      var state = builtin ? "builtin" : a.revoked ? "revoked" : "on";
      tr.appendChild(el("td", { class: "state " + state, "data-state": state },
        builtin ? t("builtin") : a.revoked ? t("stateOff") : t("stateOn")));
      var actions = el("td", { class: "actions" });
      if (!builtin) {
        actions.appendChild(button(t("edit"), function () { editApp(a); }, "edit"));
        actions.appendChild(button(t("rotate"), function () { rotateApp(a); }, "rotate"));
        actions.appendChild(button(a.revoked ? t("turnOn") : t("turnOff"), function () {
          api("POST", "/apps/" + encodeURIComponent(a.id) + "/revoke", { revoked: !a.revoked }).then(loadApps)
            .catch(function (err) { window.alert(err.message); });
        }, "revoke"));
        actions.appendChild(button(t("del"), function () { deleteApp(a); }, "danger"));
      }
      tr.appendChild(actions);
      Array.prototype.forEach.call(tr.children, function (td, i) { td.setAttribute("data-label", t(labels[i])); });
      body.appendChild(tr);
    });
  }
  function rotateApp(a) {
    if (!window.confirm(t("confirmRotate", a.id))) return;
    api("POST", "/apps/" + encodeURIComponent(a.id) + "/rotate").then(function (fresh) {
      showEmbed(fresh, "rotated"); loadApps();
    }).catch(function (err) { window.alert(err.message); });
  }
  function deleteApp(a) {
    if (!window.confirm(t("confirmDeleteApp", a.id))) return;
    api("DELETE", "/apps/" + encodeURIComponent(a.id)).then(function () {
      if (shown && shown.app.id === a.id) closeEmbed();
      if (editing === a.id) resetAppForm();
      loadApps();
    }).catch(function (err) { window.alert(err.message); });
  }

  // the form: add an app, or change one (PUT sends every field; the key stays)
  function lines(text) { return text.split("\n").map(function (x) { return x.trim(); }).filter(Boolean); }
  function appFields() {
    return {
      kb: $("app-kb").value, title: $("app-title").value.trim(), welcome: $("app-welcome").value.trim(),
      examples: lines($("app-examples").value), origins: lines($("app-origins").value), top_k: +$("app-topk").value || 3,
      lang: $("app-lang").value, rate_limit: +$("app-rate").value || 0, daily_quota: +$("app-quota").value || 0
    };
  }
  function editApp(a) {
    editing = a.id;
    $("app-id").value = a.id; $("app-id").disabled = true;
    fillKbChoices(); $("app-kb").value = a.kb;
    $("app-title").value = a.title || ""; $("app-welcome").value = a.welcome || "";
    $("app-examples").value = a.examples.join("\n"); $("app-origins").value = a.origins.join("\n");
    $("app-topk").value = a.top_k; $("app-lang").value = a.lang; $("app-rate").value = a.rate_limit; $("app-quota").value = a.daily_quota;
    labelAppForm();
    $("app-cancel").hidden = false; $("app-error").textContent = ""; $("app-note").textContent = "";
    $("app-form").scrollIntoView({ behavior: "smooth" });
  }
  function resetAppForm() {
    editing = null;
    $("app-form").reset();
    $("app-id").disabled = false;
    fillKbChoices(); $("app-kb").value = kb;
    labelAppForm();
    $("app-cancel").hidden = true;
  }
  function labelAppForm() {
    $("app-form-title").textContent = editing === null ? t("app-new") : t("app-editing", editing);
    $("app-save").textContent = editing === null ? t("app-create") : t("save");
  }
  $("app-cancel").addEventListener("click", function () { resetAppForm(); $("app-error").textContent = ""; });
  $("app-form").addEventListener("submit", function (event) {
    event.preventDefault();
    $("app-error").textContent = ""; $("app-note").textContent = "";
    var fields = appFields();
    var done = editing === null
      ? api("POST", "/apps", Object.assign({ id: $("app-id").value.trim() }, fields)).then(function (a) { showEmbed(a, "created"); })
      : api("PUT", "/apps/" + encodeURIComponent(editing), fields).then(function (a) { $("app-note").textContent = t("updatedApp", a.id); });
    done.then(function () { resetAppForm(); loadApps(); })
      .catch(function (err) { $("app-error").textContent = err.message; });
  });

  // the embed code of a new or rotated app, and its secret: shown this once
  function attr(text) { return String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  function snippets(a) {
    var origin = window.location.origin;
    return {
      script: '<script src="' + origin + '/widget.js" data-app-key="' + attr(a.key) + '" defer></script>',
      iframe: '<iframe src="' + origin + "/app/" + attr(a.key) + '" title="' + attr(a.title || a.id) +
        '" width="100%" height="640" style="border:0"></iframe>'
    };
  }
  function showEmbed(a, how) { shown = { app: a, how: how }; renderShown(); $("app-out").scrollIntoView({ behavior: "smooth" }); }
  function closeEmbed() { shown = null; clear($("app-out")).hidden = true; }
  function block(kind, label, text) {
    var box = el("div", { class: "snippet", "data-kind": kind });
    box.appendChild(el("div", { class: "path" }, label));
    var line = el("div", { class: "copyline" });
    line.appendChild(el("pre", {}, text));
    line.appendChild(copyButton(text));
    box.appendChild(line);
    return box;
  }
  function renderShown() {
    if (!shown) return;
    var a = shown.app, code = snippets(a);
    var box = clear($("app-out"));
    box.hidden = false;
    box.appendChild(el("h3", {}, t(shown.how, a.id)));
    box.appendChild(block("key", t("col-key"), a.key));
    box.appendChild(el("p", {}, t("embedHelp")));
    box.appendChild(block("script", t("widgetSnippet"), code.script));
    box.appendChild(block("iframe", t("iframeSnippet"), code.iframe));
    var secret = block("secret", t("secret"), a.secret);
    secret.appendChild(el("p", { class: "warn", role: "alert" }, t("secretWarn")));
    box.appendChild(secret);
    box.appendChild(button(t("close"), closeEmbed));
  }

  function copyButton(text) {
    var b = button(t("copy"), function () {
      copyText(text).then(function () { b.textContent = t("copied"); }, function () { b.textContent = t("copyFailed"); });
      setTimeout(function () { b.textContent = t("copy"); }, 2000);
    }, "copy");
    return b;
  }
  function copyText(text) {
    // The clipboard API needs a secure context (https or localhost); elsewhere, the old way.
    function legacy() {
      var area = el("textarea", { readonly: "", class: "offscreen" });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(area);
      return ok ? Promise.resolve() : Promise.reject(new Error("copy"));
    }
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text).catch(legacy);
    return legacy();
  }

  // start: a browser that is still signed in goes straight to the console ---------------------------
  translate(); labelAppForm();
  api("GET", "/session").then(function (data) { csrf = data.csrf; showApp(); }).catch(showSignin);
})();
