// Charts in plain SVG: grouped horizontal bars and lines, with a legend in words. Each chart
// is an image with a label; its numbers are in the table under it.

/** Colours for series: distinct, and each at least 3:1 against white. */
const SERIES_COLOURS = ["#0b5394", "#b45f06", "#38761d", "#741b47", "#45818e", "#7f6000", "#cc0000", "#3d3d3d"];

function legend(names) {
  return h("ul", { class: "legend" }, names.map((name, i) =>
    h("li", {}, s("svg", { width: 14, height: 14, "aria-hidden": "true" }, s("rect", { width: 14, height: 14, fill: SERIES_COLOURS[i % SERIES_COLOURS.length] })), name)));
}

/**
 * Grouped horizontal bars: `rows` of `{label, values: [number|null per series]}`.
 */
function barChart(label, rows, series, format) {
  const barHeight = 12;
  const gap = 10;
  const labelWidth = 170;
  const width = chartWidth();
  const groupHeight = series.length * barHeight + gap;
  const height = rows.length * groupHeight + 24;
  const max = Math.max(1e-9, ...rows.flatMap((r) => r.values.filter((v) => v !== null)));
  const scale = (v) => ((width - labelWidth - 60) * v) / max;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": T.compare.chart(label), class: "chart" });
  rows.forEach((row, i) => {
    const y = i * groupHeight;
    svg.append(s("text", { x: labelWidth - 8, y: y + (series.length * barHeight) / 2 + 4, "text-anchor": "end", class: "axis" }, truncate(row.label, 26)));
    row.values.forEach((v, j) => {
      if (v === null) return;
      const yy = y + j * barHeight;
      svg.append(s("rect", { x: labelWidth, y: yy, width: Math.max(1, scale(v)), height: barHeight - 2, fill: SERIES_COLOURS[j % SERIES_COLOURS.length] },
        s("title", {}, `${row.label}, ${series[j]}: ${format(v)}`)));
      svg.append(s("text", { x: labelWidth + scale(v) + 4, y: yy + barHeight - 3, class: "value" }, format(v)));
    });
  });
  return h("figure", { class: "figure" }, svg, legend(series));
}

/** The drawing's width: the page's, up to 640, so that on a phone the text is not shrunk. */
function chartWidth() {
  return Math.max(320, Math.min(640, document.documentElement.clientWidth - 32));
}

/** Lines over `xs` (labels), one per series: `values[series][x]`. */
function lineChart(label, xs, series, values) {
  const width = chartWidth();
  const height = 220;
  const left = 48;
  const bottom = 28;
  const max = Math.max(1, ...values.flat());
  const x = (i) => left + ((width - left - 10) * i) / Math.max(1, xs.length - 1);
  const y = (v) => height - bottom - ((height - bottom - 10) * v) / max;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": T.compare.chart(label), class: "chart" });
  for (const tick of [0, max / 2, max]) {
    svg.append(s("line", { x1: left, x2: width - 10, y1: y(tick), y2: y(tick), class: "grid" }));
    svg.append(s("text", { x: left - 6, y: y(tick) + 4, "text-anchor": "end", class: "axis" }, fmt.short(Math.round(tick))));
  }
  const every = Math.max(1, Math.ceil(xs.length / 8));
  xs.forEach((label, i) => {
    if (i % every === 0 || i === xs.length - 1) svg.append(s("text", { x: x(i), y: height - 8, "text-anchor": "middle", class: "axis" }, label));
  });
  values.forEach((line, j) => {
    const points = line.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    svg.append(s("polyline", { points, fill: "none", stroke: SERIES_COLOURS[j % SERIES_COLOURS.length], "stroke-width": 2 }, s("title", {}, series[j])));
  });
  return h("figure", { class: "figure" }, svg, legend(series));
}

/** A table with a header row; cells are text or nodes. */
function table(caption, head, rows, numeric) {
  return h("div", { class: "table-wrap", tabindex: 0, role: "region", "aria-label": caption },
    h("table", { class: "data" },
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, head.map((c, i) => h("th", { scope: "col", class: numeric && i > 0 ? "num" : null }, c)))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", { class: numeric ? "num" : null }, c))))))));
}

function truncate(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}
