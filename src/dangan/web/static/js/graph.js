/* The knowledge-graph view: draws the neighbourhood the API returns with ECharts (force layout).
   Click a node: expand it (its 1-hop neighbourhood is merged in) and show it in the side panel;
   double-click: open its record or its enterprise's 360° page. Click an edge: its supporting records.
   Only what /api/v1/graph/related returns is drawn: the server has already applied the viewer's rights. */
(function () {
  "use strict";
  var box = document.getElementById("graph-chart");
  if (!box || typeof window.echarts === "undefined") { return; }
  var KIND_LABELS = JSON.parse(box.getAttribute("data-kind-labels") || "{}");
  var EDGE_LABELS = JSON.parse(box.getAttribute("data-edge-labels") || "{}");
  var KINDS = Object.keys(KIND_LABELS);
  var HUBS = ["matter", "department", "district", "industry"];  // shown, never expanded (too many ties)
  var errorBox = document.getElementById("graph-error");
  var statusBox = document.getElementById("graph-status");
  var detail = document.getElementById("graph-detail");
  var nodes = {};   // id -> {id, kind, label}
  var edges = {};   // kind|from|to -> {kind, from, to, records}
  var expanded = {};
  var centerId = null;
  var chart = window.echarts.init(box, null, { renderer: "canvas" });

  function el(tag, text, attrs) {
    var e = document.createElement(tag);
    if (text) { e.textContent = text; }
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }
  function isEnterprise(n) { return n.kind === "enterprise"; }
  function pageOf(n) {
    if (n.kind === "record") { return "/records/" + encodeURIComponent(n.id); }
    if (isEnterprise(n)) { return "/graph/enterprise/" + encodeURIComponent(n.id); }
    return null;
  }
  function chosenKinds() {
    var out = {};
    document.querySelectorAll("#graph-kinds input[name=kinds]").forEach(function (c) { out[c.value] = c.checked; });
    return out;
  }
  function showError(message, details) {
    errorBox.textContent = "";
    errorBox.appendChild(el("p", message));
    if (details && details.length) {
      var ul = el("ul");
      details.forEach(function (d) {
        var li = el("li");
        if (d.field) { li.appendChild(el("a", d.message, { href: "/graph?center=" + encodeURIComponent(d.field) })); }
        else { li.textContent = d.message; }
        ul.appendChild(li);
      });
      errorBox.appendChild(ul);
    }
    errorBox.hidden = false;
  }

  function load(center, hops) {
    statusBox.textContent = "正在读取关系……";
    var url = "/api/v1/graph/related?center=" + encodeURIComponent(center) + "&hops=" + hops;
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        return res.json().then(function (body) { return { ok: res.ok, body: body }; },
          function () { return { ok: false, body: {} }; });
      })
      .then(function (r) {
        statusBox.textContent = "";
        if (!r.ok) {
          var err = (r.body && r.body.error) || {};
          showError(err.message || "读取关系图失败，请稍后再试", err.details);
          return null;
        }
        errorBox.hidden = true;
        merge(r.body);
        return r.body;
      }, function () {
        statusBox.textContent = "";
        showError("无法连接服务器，请稍后再试");
        return null;
      });
  }

  function merge(data) {
    (data.nodes || []).concat([data.center]).forEach(function (n) { if (n) { nodes[n.id] = n; } });
    (data.edges || []).forEach(function (e) {
      var key = e.kind + "|" + e.from + "|" + e.to;
      var old = edges[key];
      if (!old) { edges[key] = { kind: e.kind, from: e.from, to: e.to, records: e.records.slice() }; return; }
      e.records.forEach(function (r) { if (old.records.indexOf(r) < 0) { old.records.push(r); } });
    });
    if (data.truncated) { statusBox.textContent = "关系过多，只显示了一部分。"; }
    draw();
  }

  function draw() {
    var kinds = chosenKinds();
    var shownEdges = Object.keys(edges).map(function (k) { return edges[k]; })
      .filter(function (e) { return kinds[e.kind] !== false; });
    var visible = {};
    if (centerId) { visible[centerId] = true; }
    shownEdges.forEach(function (e) { visible[e.from] = true; visible[e.to] = true; });
    var data = Object.keys(nodes).filter(function (id) { return visible[id]; }).map(function (id) {
      var n = nodes[id];
      return {
        id: id, name: id, value: n.label, category: Math.max(0, KINDS.indexOf(n.kind)),
        symbolSize: id === centerId ? 46 : (n.kind === "enterprise" || n.kind === "person" ? 30 : 20),
        label: { show: true, formatter: short(n.label) },
      };
    });
    var links = shownEdges.map(function (e) {
      return { source: e.from, target: e.to, kind: e.kind, records: e.records,
               value: (EDGE_LABELS[e.kind] || e.kind) };
    });
    chart.setOption({
      tooltip: {
        renderMode: "richText",
        formatter: function (p) {
          if (p.dataType === "edge") {
            return (EDGE_LABELS[p.data.kind] || p.data.kind) + "\n依据档案：" + p.data.records.join("、");
          }
          var n = nodes[p.data.id];
          return n ? (KIND_LABELS[n.kind] || n.kind) + "：" + n.label : "";
        },
      },
      legend: [{ data: KINDS.map(function (k) { return KIND_LABELS[k]; }), top: 4 }],
      animationDurationUpdate: 300,
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        force: { repulsion: 260, edgeLength: [60, 140], gravity: 0.08, layoutAnimation: false },
        categories: KINDS.map(function (k) { return { name: KIND_LABELS[k] }; }),
        data: data, links: links,
        edgeSymbol: ["none", "arrow"], edgeSymbolSize: 6,
        lineStyle: { color: "source", opacity: 0.6, curveness: 0.08 },
        label: { position: "right", fontSize: 11 },
        emphasis: { focus: "adjacency" },
      }],
    }, { replaceMerge: ["series"] });
    statusBox.textContent = data.length ? "共 " + data.length + " 个节点、" + links.length + " 条关系。" : "没有可显示的关系。";
  }

  function short(text) { return text && text.length > 14 ? text.slice(0, 13) + "…" : (text || ""); }

  function showNode(n) {
    detail.textContent = "";
    detail.appendChild(el("p", KIND_LABELS[n.kind] || n.kind, { class: "tag" }));
    detail.appendChild(el("h3", n.label));
    if (n.kind === "enterprise" && n.id.indexOf("enterprise:") !== 0) {
      detail.appendChild(el("p", "统一社会信用代码 " + n.id, { class: "small mono" }));
    }
    var links = el("p");
    var page = pageOf(n);
    if (page) { links.appendChild(el("a", n.kind === "record" ? "打开档案" : "企业全景", { href: page, class: "btn", id: "graph-open" })); }
    links.appendChild(document.createTextNode(" "));
    links.appendChild(el("a", "以此为中心", { href: "/graph?center=" + encodeURIComponent(n.id), class: "btn btn-ghost" }));
    detail.appendChild(links);
    var around = Object.keys(edges).map(function (k) { return edges[k]; })
      .filter(function (e) { return e.from === n.id || e.to === n.id; });
    if (around.length) {
      detail.appendChild(el("p", "关系（" + around.length + "）", { class: "small muted" }));
      var ul = el("ul", null, { class: "small" });
      around.slice(0, 60).forEach(function (e) {
        var other = nodes[e.from === n.id ? e.to : e.from];
        ul.appendChild(el("li", (EDGE_LABELS[e.kind] || e.kind) + "：" + (other ? other.label : "")));
      });
      detail.appendChild(ul);
    }
  }

  function showEdge(e) {
    detail.textContent = "";
    var a = nodes[e.source] || {}, b = nodes[e.target] || {};
    detail.appendChild(el("p", EDGE_LABELS[e.kind] || e.kind, { class: "tag" }));
    detail.appendChild(el("h3", (a.label || "") + " → " + (b.label || "")));
    detail.appendChild(el("p", "依据档案（" + e.records.length + "）", { class: "small muted" }));
    var ul = el("ul", null, { class: "small", id: "graph-edge-records" });
    e.records.forEach(function (r) {
      var li = el("li");
      li.appendChild(el("a", r, { href: "/records/" + encodeURIComponent(r), class: "mono" }));
      ul.appendChild(li);
    });
    detail.appendChild(ul);
  }

  chart.on("click", function (p) {
    if (p.dataType === "edge") { showEdge(p.data); return; }
    var n = nodes[p.data.id];
    if (!n) { return; }
    showNode(n);
    if (!expanded[n.id] && HUBS.indexOf(n.kind) < 0) {
      expanded[n.id] = true;
      load(n.id, 1).then(function () { showNode(n); });
    }
  });
  chart.on("dblclick", function (p) {
    if (p.dataType !== "node") { return; }
    var n = nodes[p.data.id];
    var page = n && pageOf(n);
    if (page) { window.location.href = page; }
  });
  document.querySelectorAll("#graph-kinds input[name=kinds]").forEach(function (c) {
    c.addEventListener("change", draw);
  });
  window.addEventListener("resize", function () { chart.resize(); });

  var center = box.getAttribute("data-center");
  if (center) {
    load(center, box.getAttribute("data-hops") === "2" ? 2 : 1).then(function (data) {
      if (data && data.center) { centerId = data.center.id; expanded[centerId] = true; draw(); showNode(data.center); }
      box.setAttribute("data-loaded", data ? "1" : "error");
    });
  } else {
    box.setAttribute("data-loaded", "empty");
  }
})();
