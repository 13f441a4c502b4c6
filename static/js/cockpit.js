/* 态势研判: draws the cockpit's charts with the vendored Apache ECharts (static/vendor/echarts).
 *
 * The server sends every chart as data (a <script type="application/json" id="cockpit-charts">
 * element: categories, series, one link per point) and repeats the same numbers in a table under
 * each chart; this file only draws. A click on a bar or a point opens the list of cases behind it.
 * No inline script and no inline style attributes (the CSP forbids both): tooltips are drawn on the
 * canvas (renderMode "richText") and sizes come from app CSS.
 *
 * The wall display (body.wall) uses the dark theme and large type, reloads itself every
 * data-refresh seconds and offers a full-screen button.
 */
(function () {
  "use strict";
  var wall = document.body.classList.contains("wall");
  var COLORS = ["#1f5fa8", "#9aa5b1", "#d97706", "#2e7d32", "#c0392b", "#7b4fa6"];
  var WALL_COLORS = ["#4fa3ff", "#6b7785", "#ffb020", "#5ad17a", "#ff6b5a", "#c59cff"];

  function optionFor(spec) {
    var big = wall ? 18 : 12;
    var horizontal = !!spec.horizontal;
    var spark = spec.kind === "spark";
    var few = spec.categories.length <= 8;
    var categoryAxis = {
      type: "category", data: spec.categories,
      axisLabel: {fontSize: big, interval: horizontal || few ? 0 : "auto", hideOverlap: !horizontal && !few,
                  width: horizontal ? (wall ? 190 : 120) : undefined, overflow: horizontal ? "truncate" : "none"},
      axisTick: {alignWithLabel: true}
    };
    // Lines are read for their shape (a week against the last and against last year): the axis
    // fits the values; bars are read for their length and start at zero.
    var valueAxis = {type: "value", minInterval: 1, axisLabel: {fontSize: big}, scale: item0(spec) === "line",
                     splitNumber: horizontal ? 4 : 5, splitLine: {lineStyle: {opacity: wall ? 0.25 : 1}}};
    var series = spec.series.map(function (s, i) {
      var item = {
        name: s.name, type: spec.kind === "bar" || !spec.kind ? "bar" : "line", data: s.data,
        cursor: s.links ? "pointer" : "default", emphasis: {focus: "series"}
      };
      if (item.type === "line") {
        item.smooth = false;
        item.symbolSize = wall ? 9 : 6;
        item.lineStyle = {width: s.compare ? (wall ? 2 : 1.5) : (wall ? 4 : 2.5), type: s.compare ? "dashed" : "solid"};
        if (spark) { item.symbol = "none"; item.connectNulls = false; item.lineStyle.width = 2; }
      } else {
        item.barMaxWidth = wall ? 48 : 28;
        if (spec.stack) item.stack = "total";
        if (horizontal && i === 0) item.label = {show: true, position: spec.stack ? "inside" : "right", fontSize: big - 1};
      }
      return item;
    });
    if (spark) {
      return {
        animation: false, color: wall ? WALL_COLORS : COLORS, grid: {left: 2, right: 2, top: 4, bottom: 2},
        xAxis: {type: "category", data: spec.categories, show: false},
        yAxis: {type: "value", show: false, scale: true}, series: series,
        tooltip: {trigger: "axis", renderMode: "richText", valueFormatter: function (v) {
          return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }}
      };
    }
    return {
      animation: !wall,
      color: wall ? WALL_COLORS : COLORS,
      backgroundColor: "transparent",
      textStyle: {fontSize: big},
      legend: {show: spec.series.length > 1, top: 0, textStyle: {fontSize: big}},
      tooltip: {trigger: "axis", renderMode: "richText", axisPointer: {type: item0(spec) === "line" ? "line" : "shadow"},
                textStyle: {fontSize: big}},
      grid: {left: 8, right: horizontal ? 40 : 16, top: spec.series.length > 1 ? 36 : 16, bottom: 8, containLabel: true},
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? categoryAxis : valueAxis,
      series: series
    };
  }

  function item0(spec) { return spec.kind === "line" || spec.kind === "spark" ? "line" : "bar"; }

  function draw() {
    var source = document.getElementById("cockpit-charts");
    if (!source || !window.echarts) return;
    var specs = JSON.parse(source.textContent);
    var charts = [];
    specs.forEach(function (spec) {
      var holders = document.querySelectorAll('[data-chart="' + spec.id + '"]');
      Array.prototype.forEach.call(holders, function (holder) {
        var canvas = holder.querySelector(".chart-canvas") || holder;
        var chart = window.echarts.init(canvas, wall ? "dark" : null, {renderer: "canvas"});
        // "finished": drawn, animation included (the browser tests wait for it before a screenshot).
        chart.on("finished", function () { holder.setAttribute("data-drawn", "1"); });
        chart.setOption(optionFor(spec));
        chart.on("click", function (p) {
          var s = spec.series[p.seriesIndex];
          var url = s && s.links && s.links[p.dataIndex];
          if (url) window.location.href = url;
        });
        charts.push(chart);
      });
    });
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
    });
  }

  function wallControls() {
    var root = document.querySelector("[data-refresh]");
    if (root) {
      var seconds = parseInt(root.getAttribute("data-refresh"), 10);
      if (seconds > 0) setTimeout(function () { window.location.reload(); }, seconds * 1000);
    }
    var button = document.getElementById("wall-fullscreen");
    if (button && document.documentElement.requestFullscreen) {
      button.hidden = false;
      button.addEventListener("click", function () {
        if (document.fullscreenElement) document.exitFullscreen();
        else document.documentElement.requestFullscreen();
      });
    }
    var clock = document.getElementById("wall-clock");
    if (clock) {
      var tick = function () {
        var d = new Date();
        var pad = function (n) { return (n < 10 ? "0" : "") + n; };
        clock.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
      };
      tick();
      setInterval(tick, 1000);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { draw(); wallControls(); });
  } else {
    draw();
    wallControls();
  }
})();
