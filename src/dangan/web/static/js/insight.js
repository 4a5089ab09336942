/* The statistics page's charts: each [data-chart] box draws the rows the server rendered into it
   (already counted under the viewer's rights and filters) with ECharts; the tables beside them hold the
   same numbers for screen readers and for printing. No data is fetched here. */
(function () {
  "use strict";
  if (typeof window.echarts === "undefined") { return; }
  function bar(rows, horizontal) {
    var labels = rows.map(function (r) { return r.label; });
    var counts = rows.map(function (r) { return r.count; });
    var cat = { type: "category", data: labels, axisLabel: { interval: 0, width: 160, overflow: "truncate" } };
    var val = { type: "value", name: "件数" };
    return { tooltip: { trigger: "axis" }, grid: { left: horizontal ? 170 : 50, right: 20, bottom: 60 },
             xAxis: horizontal ? val : cat, yAxis: horizontal ? Object.assign(cat, { inverse: true }) : val,
             series: [{ type: "bar", name: "件数", data: counts }] };
  }
  var build = {
    bar: function (rows) { return bar(rows, true); },
    line: function (rows) {
      return { tooltip: { trigger: "axis" }, xAxis: { type: "category", data: rows.map(function (r) { return r.label; }) },
               yAxis: { type: "value", name: "件数" }, dataZoom: [{ type: "inside" }, { type: "slider" }],
               series: [{ type: "line", name: "件数", data: rows.map(function (r) { return r.count; }) }] };
    },
    pie: function (rows) {
      return { tooltip: { trigger: "item", formatter: "{b}：{c} 件（{d}%）" }, legend: { bottom: 0 },
               series: [{ type: "pie", radius: "60%", data: rows.map(function (r) { return { name: r.label, value: r.count }; }) }] };
    },
    histogram: function (rows) {
      return { tooltip: { trigger: "axis" }, xAxis: { type: "category", name: "工作日", data: rows.map(function (r) { return r.days; }) },
               yAxis: { type: "value", name: "件数" }, series: [{ type: "bar", name: "件数", data: rows.map(function (r) { return r.count; }) }] };
    },
    yearly: function (rows) {
      var years = [], labels = [], cell = {};
      rows.forEach(function (r) {
        if (years.indexOf(r.year) < 0) { years.push(r.year); }
        if (labels.indexOf(r.label) < 0) { labels.push(r.label); }
        cell[r.label + "|" + r.year] = r.count;
      });
      return { tooltip: { trigger: "axis" }, legend: { type: "scroll", bottom: 0 },
               xAxis: { type: "category", data: years }, yAxis: { type: "value", name: "件数" },
               series: labels.map(function (l) {
                 return { type: "bar", stack: "all", name: l, data: years.map(function (y) { return cell[l + "|" + y] || 0; }) };
               }) };
    },
    policy: function (p) {
      var names = ["实施前", "实施后"];
      return { tooltip: { trigger: "axis" }, legend: { bottom: 0 }, xAxis: { type: "category", data: names },
               yAxis: { type: "value", name: "件数" },
               series: [{ type: "bar", name: "本期", data: [p.before.count, p.after.count] },
                        { type: "bar", name: "上年同期", data: [p.reference_before.count, p.reference_after.count] }] };
    }
  };
  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var kind = box.getAttribute("data-chart");
    var rows = JSON.parse(box.getAttribute("data-rows") || "[]");
    var empty = Array.isArray(rows) && rows.length === 0;
    if (!build[kind] || empty) { box.hidden = true; return; }
    var many = Array.isArray(rows) ? rows.length : 2;
    box.style.height = (kind === "bar" ? Math.max(240, 28 * many + 60) : 320) + "px";
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(build[kind](rows));
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
