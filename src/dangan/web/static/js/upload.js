// Upload form: drag-and-drop file list with a role per file, XHR upload with progress, and the
// server's per-field errors shown under the fields they concern. Plain JS, no dependencies.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  if (!form) { return; }
  var input = document.getElementById("file-input");
  var zone = document.getElementById("dropzone");
  var table = document.getElementById("file-table");
  var tbody = table.querySelector("tbody");
  var total = document.getElementById("file-total");
  var progressWrap = document.getElementById("progress-wrap");
  var progress = document.getElementById("upload-progress");
  var progressText = document.getElementById("progress-text");
  var submit = document.getElementById("submit-btn");
  var result = document.getElementById("upload-result");
  var maxBytes = parseInt(form.getAttribute("data-max-bytes"), 10) || 0;
  var files = [];  // [{file, role}]

  function sizeText(n) {
    var units = ["B", "KB", "MB", "GB", "TB"];
    var i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return i === 0 ? n + " B" : n.toFixed(1) + " " + units[i];
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function guessRole(name) {
    var stem = name.replace(/\.[^.]+$/, "");
    var options = document.querySelectorAll("#dl-roles option");
    for (var i = 0; i < options.length; i++) {
      if (stem.indexOf(options[i].value) !== -1) { return options[i].value; }
    }
    return "";
  }

  function render() {
    tbody.textContent = "";
    var sum = 0;
    files.forEach(function (item, index) {
      sum += item.file.size;
      var row = el("tr");
      row.appendChild(el("td", { "class": "file-name" }, item.file.name));
      var roleCell = el("td");
      var role = el("input", { type: "text", list: "dl-roles", maxlength: "100", "aria-label": "材料类型：" + item.file.name,
                               placeholder: "如 申请书", value: item.role });
      role.addEventListener("input", function () { item.role = role.value; });
      roleCell.appendChild(role);
      row.appendChild(roleCell);
      row.appendChild(el("td", { "class": "num nowrap" }, sizeText(item.file.size)));
      var actions = el("td", { "class": "nowrap" });
      var remove = el("button", { type: "button", "class": "btn-remove", "aria-label": "移除 " + item.file.name }, "移除");
      remove.addEventListener("click", function () { files.splice(index, 1); render(); });
      actions.appendChild(remove);
      row.appendChild(actions);
      tbody.appendChild(row);
    });
    table.hidden = files.length === 0;
    total.textContent = files.length ? "共 " + files.length + " 个文件，" + sizeText(sum) : "";
    if (maxBytes && sum > maxBytes) {
      total.textContent += "（超过上限 " + sizeText(maxBytes) + "）";
    }
  }

  function addFiles(list) {
    Array.prototype.forEach.call(list, function (file) {
      var duplicate = files.some(function (it) { return it.file.name === file.name; });
      if (duplicate) {
        files = files.filter(function (it) { return it.file.name !== file.name; });
      }
      files.push({ file: file, role: guessRole(file.name) });
    });
    render();
  }

  input.addEventListener("change", function () { addFiles(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("dragover"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.remove("dragover"); });
  });
  zone.addEventListener("drop", function (e) {
    if (e.dataTransfer && e.dataTransfer.files) { addFiles(e.dataTransfer.files); }
  });

  function clearErrors() {
    form.querySelectorAll(".field-error").forEach(function (p) { p.textContent = ""; });
    form.querySelectorAll(".has-error").forEach(function (f) { f.classList.remove("has-error"); });
    form.querySelectorAll("[aria-invalid]").forEach(function (f) { f.removeAttribute("aria-invalid"); });
  }

  function fieldKey(field) {
    // files[2].path -> files; applicant -> applicant.name; matter -> matter.name
    if (/^files(\[|$)/.test(field)) { return "files"; }
    if (field === "applicant" || field === "matter") { return field + ".name"; }
    return field;
  }

  function showError(error) {
    var box = el("div", { "class": "alert alert-error", role: "alert" });
    box.appendChild(el("strong", {}, error.message || "提交失败"));
    var details = error.details || [];
    if (details.length) {
      var list = el("ul", { "class": "problem-list" });
      details.forEach(function (d) { list.appendChild(el("li", {}, d.message)); });
      box.appendChild(list);
    }
    result.textContent = "";
    result.appendChild(box);
    var first = null;
    details.forEach(function (d) {
      if (!d.field) { return; }
      var key = fieldKey(d.field);
      var slot = form.querySelector('.field-error[data-for="' + key + '"]');
      if (!slot) { return; }
      slot.textContent = slot.textContent ? slot.textContent + "；" + d.message : d.message;
      var wrapper = slot.closest(".field");
      if (wrapper) { wrapper.classList.add("has-error"); }
      var control = form.querySelector('[name="' + key + '"]');
      if (control) {
        control.setAttribute("aria-invalid", "true");
        if (!first) { first = control; }
      }
    });
    (first || result).scrollIntoView({ behavior: "smooth", block: "center" });
  }

  function showSuccess(body) {
    var box = el("div", { "class": "alert alert-success", role: "status" });
    box.appendChild(document.createTextNode(body.duplicate ? "该案卷此前已归档（重复提交未再次保存），档号 " : "已归档，档号 "));
    box.appendChild(el("strong", { "class": "mono", id: "archival-code" }, body.archival_code));
    box.appendChild(document.createTextNode("。 "));
    box.appendChild(el("a", { href: body.url }, "查看档案"));
    box.appendChild(document.createTextNode(" · "));
    box.appendChild(el("a", { href: "/upload" }, "继续上传"));
    result.textContent = "";
    result.appendChild(box);
    result.scrollIntoView({ behavior: "smooth", block: "center" });
  }

  function sha256Hex(file) {
    // The browser's own SHA-256 (Web Crypto), so 1-3 checks the files against what was sent.
    if (!window.crypto || !window.crypto.subtle || !file.arrayBuffer) { return Promise.resolve(null); }
    return file.arrayBuffer().then(function (buf) { return window.crypto.subtle.digest("SHA-256", buf); })
      .then(function (digest) {
        return Array.prototype.map.call(new Uint8Array(digest), function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      }).catch(function () { return null; });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors();
    if (files.some(function (item) { return item.file.name === "case.json"; })) {
      // A package's own case.json: send the whole set as a package, which reports every problem of it.
      window.danganUploadPackage(files.map(function (item) { return { file: item.file, path: item.file.name }; }));
      return;
    }
    submit.disabled = true;
    progressText.textContent = "正在计算文件摘要…";
    progressWrap.hidden = false;
    Promise.all(files.map(function (item) { return sha256Hex(item.file); })).then(function (digests) {
      var hashes = {};
      files.forEach(function (item, i) { if (digests[i]) { hashes[item.file.name] = digests[i]; } });
      sendCase(hashes);
    });
  });

  function sendCase(hashes) {
    var data = new FormData(form);
    data.delete("files");
    var roles = {};
    files.forEach(function (item) {
      data.append("files", item.file, item.file.name);
      if (item.role) { roles[item.file.name] = item.role; }
    });
    data.append("file_roles", JSON.stringify(roles));
    data.append("file_hashes", JSON.stringify(hashes));
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action"));
    xhr.setRequestHeader("X-CSRF-Token", form.querySelector("[name=csrf_token]").value);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", function (ev) {
      if (!ev.lengthComputable) { return; }
      var pct = Math.floor(ev.loaded * 100 / ev.total);
      progress.value = pct;
      progressText.textContent = "已上传 " + pct + "%（" + sizeText(ev.loaded) + " / " + sizeText(ev.total) + "）";
    });
    xhr.upload.addEventListener("load", function () {
      progress.value = 100;
      progressText.textContent = "上传完成，正在校验并归档…";
    });
    xhr.addEventListener("load", function () {
      submit.disabled = false;
      progressWrap.hidden = true;
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
      if (xhr.status === 200 || xhr.status === 201) {
        showSuccess(body);
        submit.disabled = true;  // this form's case is archived; "继续上传" starts a new one
      } else if (body && body.error) {
        showError(body.error);
      } else if (xhr.status === 413) {
        showError({ message: "上传内容超过大小上限" });
      } else {
        showError({ message: "提交失败（HTTP " + xhr.status + "），请稍后重试" });
      }
    });
    xhr.addEventListener("error", function () {
      submit.disabled = false;
      progressWrap.hidden = true;
      showError({ message: "网络连接中断，上传未完成，请重试（已上传的部分不会保留）" });
    });
    submit.disabled = true;
    progress.value = 0;
    progressText.textContent = "正在上传…";
    progressWrap.hidden = false;
    xhr.send(data);
  }

})();
