// Package upload: ZIPs, BagIt bags and whole folders (dropped or chosen), each file sent under its
// relative path so a folder arrives as one package; one result line per package. Plain JS.
(function () {
  "use strict";
  var form = document.getElementById("package-form");
  if (!form) { return; }
  var zone = document.getElementById("package-zone");
  var input = document.getElementById("package-input");
  var folder = document.getElementById("folder-input");
  var total = document.getElementById("package-total");
  var wrap = document.getElementById("package-progress-wrap");
  var progress = document.getElementById("package-progress");
  var progressText = document.getElementById("package-progress-text");
  var submit = document.getElementById("package-submit");
  var result = document.getElementById("package-result");
  var chosen = [];  // [{file, path}]
  var LABELS = { accepted: "已归档", duplicate: "此前已归档", rejected: "未通过" };

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function describe() {
    var zips = chosen.filter(function (c) { return /\.zip$/i.test(c.path); }).length;
    var folders = {};
    chosen.forEach(function (c) { if (c.path.indexOf("/") > 0) { folders[c.path.split("/")[0]] = true; } });
    var parts = [];
    if (zips) { parts.push(zips + " 个 ZIP 包"); }
    if (Object.keys(folders).length) { parts.push(Object.keys(folders).length + " 个文件夹"); }
    total.textContent = chosen.length ? "已选择 " + (parts.join("、") || chosen.length + " 个文件") : "";
  }

  function add(list) { list.forEach(function (c) { chosen.push(c); }); describe(); }

  input.addEventListener("change", function () {
    add(Array.prototype.map.call(input.files, function (f) { return { file: f, path: f.name }; }));
    input.value = "";
  });
  folder.addEventListener("change", function () {
    add(Array.prototype.map.call(folder.files, function (f) { return { file: f, path: f.webkitRelativePath || f.name }; }));
    folder.value = "";
  });

  function walk(entry, prefix) {
    // A dropped folder: read it whole (readEntries answers in batches until it returns none).
    return new Promise(function (resolve) {
      if (entry.isFile) {
        entry.file(function (f) { resolve([{ file: f, path: prefix + f.name }]); }, function () { resolve([]); });
        return;
      }
      var reader = entry.createReader();
      var found = [];
      (function next() {
        reader.readEntries(function (entries) {
          if (!entries.length) {
            Promise.all(found).then(function (lists) { resolve([].concat.apply([], lists)); });
            return;
          }
          entries.forEach(function (child) { found.push(walk(child, prefix + entry.name + "/")); });
          next();
        }, function () { resolve([]); });
      })();
    });
  }

  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("dragover"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("dragover"); });
  });
  zone.addEventListener("drop", function (e) {
    var items = e.dataTransfer && e.dataTransfer.items;
    if (!items || !items.length || !items[0].webkitGetAsEntry) {
      add(Array.prototype.map.call(e.dataTransfer.files, function (f) { return { file: f, path: f.name }; }));
      return;
    }
    var entries = Array.prototype.map.call(items, function (it) { return it.webkitGetAsEntry(); }).filter(Boolean);
    Promise.all(entries.map(function (en) { return walk(en, ""); })).then(function (lists) {
      add([].concat.apply([], lists));
    });
  });

  function show(rows) {
    var table = el("table", { "class": "table table-compact package-results" });
    var head = el("tr");
    ["案卷包", "结果", "档号 / 原因"].forEach(function (h) { head.appendChild(el("th", {}, h)); });
    table.appendChild(el("thead")).appendChild(head);
    var body = el("tbody");
    rows.forEach(function (r) {
      var tr = el("tr", { "class": "pkg-" + r.status });
      tr.appendChild(el("td", { "class": "file-name" }, r.name));
      tr.appendChild(el("td", { "class": "nowrap" }, LABELS[r.status] || r.status));
      var cell = el("td");
      if (r.url) { cell.appendChild(el("a", { href: r.url, "class": "mono" }, r.archival_code)); }
      if (r.reasons && r.reasons.length) {
        var list = el("ul", { "class": "problem-list" });
        r.reasons.forEach(function (p) { list.appendChild(el("li", {}, p.message)); });
        cell.appendChild(list);
      }
      tr.appendChild(cell);
      body.appendChild(tr);
    });
    table.appendChild(body);
    var done = rows.filter(function (r) { return r.status !== "rejected"; }).length;
    result.textContent = "";
    result.appendChild(el("p", { role: "status" }, "共 " + rows.length + " 个案卷包：" + done + " 个已归档或此前已归档，" + (rows.length - done) + " 个未通过。"));
    result.appendChild(table);
    result.scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function fail(message) {
    result.textContent = "";
    result.appendChild(el("div", { "class": "alert alert-error", role: "alert" }, message));
  }

  function send(list) {
    if (!list.length) { fail("请选择要上传的案卷包（ZIP、BagIt 或含 case.json 的文件夹）"); return; }
    var data = new FormData();
    list.forEach(function (c) { data.append("files", c.file, c.path); });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("X-CSRF-Token", form.querySelector("[name=csrf_token]").value);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (ev) {
      if (!ev.lengthComputable) { return; }
      var pct = Math.floor(ev.loaded * 100 / ev.total);
      progress.value = pct;
      progressText.textContent = "已上传 " + pct + "%";
    });
    xhr.upload.addEventListener("load", function () { progressText.textContent = "上传完成，正在逐包校验并归档…"; });
    xhr.addEventListener("load", function () {
      submit.disabled = false;
      wrap.hidden = true;
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      if (body && body.packages) { show(body.packages); chosen = []; describe(); }
      else if (body && body.error) { fail(body.error.message); }
      else if (xhr.status === 413) { fail("上传内容超过大小上限"); }
      else { fail("上传失败（HTTP " + xhr.status + "），请稍后重试"); }
    });
    xhr.addEventListener("error", function () {
      submit.disabled = false;
      wrap.hidden = true;
      fail("网络连接中断，上传未完成，请重试");
    });
    submit.disabled = true;
    progress.value = 0;
    wrap.hidden = false;
    xhr.send(data);
  }

  window.danganUploadPackage = function (list) {
    send(list);
    document.getElementById("packages").scrollIntoView({ behavior: "smooth" });
  };
  form.addEventListener("submit", function (e) { e.preventDefault(); send(chosen); });
})();
