// Chart.js plugins the dashboard adds to every chart: a white background
// (so PNG downloads are not transparent), seed spread (bands for lines,
// whiskers for scatter and bar points) and vertical epoch markers.

/** Fills the canvas white before drawing. */
export const whiteBackground = {
  id: "whiteBackground",
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = "destination-over";
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** Pixel of value v on scale s, kept inside the chart area (log scales drop v <= 0). */
function pixel(scale, v) {
  if (!Number.isFinite(v)) return NaN;
  if (scale.type === "logarithmic" && v <= 0) v = scale.min;
  return Math.min(
    Math.max(scale.getPixelForValue(v), scale.top ?? -Infinity),
    scale.bottom ?? Infinity,
  );
}

function pixelX(scale, v) {
  if (!Number.isFinite(v)) return NaN;
  if (scale.type === "logarithmic" && v <= 0) v = scale.min;
  return Math.min(Math.max(scale.getPixelForValue(v), scale.left), scale.right);
}

/**
 * Seed spread: datasets with `spread: "band"` get a shaded mean +- sd band
 * (drawn under the lines); datasets with `spread: "whiskers"` get +- sd
 * whiskers on every point (x and y). Points carry `xSd` / `ySd`.
 */
export const seedSpread = {
  id: "seedSpread",
  beforeDatasetsDraw(chart) {
    const { ctx, chartArea } = chart;
    chart.data.datasets.forEach((ds, i) => {
      if (ds.spread !== "band" || !chart.isDatasetVisible(i)) return;
      const meta = chart.getDatasetMeta(i);
      const ys = chart.scales[meta.yAxisID];
      const upper = [], lower = [];
      meta.data.forEach((el, j) => {
        const p = ds.data[j];
        if (!p || !Number.isFinite(p.ySd) || !Number.isFinite(p.y) || !Number.isFinite(el.x)) {
          return;
        }
        upper.push([el.x, pixel(ys, p.y + p.ySd)]);
        lower.push([el.x, pixel(ys, p.y - p.ySd)]);
      });
      if (upper.length < 2) return;
      ctx.save();
      ctx.beginPath();
      ctx.rect(
        chartArea.left,
        chartArea.top,
        chartArea.right - chartArea.left,
        chartArea.bottom - chartArea.top,
      );
      ctx.clip();
      ctx.beginPath();
      upper.forEach(([x, y], k) => (k ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      for (let k = lower.length - 1; k >= 0; k--) ctx.lineTo(lower[k][0], lower[k][1]);
      ctx.closePath();
      ctx.fillStyle = ds.spreadColor ?? "rgba(0,0,0,0.12)";
      ctx.fill();
      ctx.restore();
    });
  },
  afterDatasetsDraw(chart) {
    const { ctx, chartArea } = chart;
    chart.data.datasets.forEach((ds, i) => {
      if (ds.spread !== "whiskers" || !chart.isDatasetVisible(i)) return;
      const meta = chart.getDatasetMeta(i);
      const xs = chart.scales[meta.xAxisID], ys = chart.scales[meta.yAxisID];
      ctx.save();
      ctx.beginPath();
      ctx.rect(
        chartArea.left,
        chartArea.top,
        chartArea.right - chartArea.left,
        chartArea.bottom - chartArea.top,
      );
      ctx.clip();
      ctx.strokeStyle = ds.spreadColor ?? "rgba(0,0,0,0.3)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      meta.data.forEach((el, j) => {
        const p = ds.data[j];
        if (!p || !Number.isFinite(el.x) || !Number.isFinite(el.y)) return;
        if (Number.isFinite(p.ySd) && p.ySd > 0) {
          ctx.moveTo(el.x, pixel(ys, p.y - p.ySd));
          ctx.lineTo(el.x, pixel(ys, p.y + p.ySd));
        }
        if (Number.isFinite(p.xSd) && p.xSd > 0 && xs.type !== "category") {
          ctx.moveTo(pixelX(xs, p.x - p.xSd), el.y);
          ctx.lineTo(pixelX(xs, p.x + p.xSd), el.y);
        }
      });
      ctx.stroke();
      ctx.restore();
    });
  },
};

/**
 * Vertical markers at x values: `options.plugins.epochMarkers.items` =
 * [{value, label, color}].
 */
export const epochMarkers = {
  id: "epochMarkers",
  afterDatasetsDraw(chart, _args, opts) {
    const items = opts?.items ?? [];
    if (!items.length) return;
    const { ctx, chartArea } = chart;
    const xs = chart.scales.x;
    ctx.save();
    ctx.font = "11px system-ui, sans-serif";
    items.forEach((m) => {
      const x = xs.getPixelForValue(m.value);
      if (!Number.isFinite(x) || x < chartArea.left || x > chartArea.right) return;
      ctx.strokeStyle = m.color ?? "#333";
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x, chartArea.top);
      ctx.lineTo(x, chartArea.bottom);
      ctx.stroke();
      ctx.setLineDash([]);
      if (!m.label) return;
      ctx.fillStyle = m.color ?? "#333";
      const text = m.label;
      const w = ctx.measureText(text).width;
      const tx = x + 4 + w > chartArea.right ? x - 4 - w : x + 4;
      ctx.fillText(text, tx, chartArea.top + 12);
    });
    ctx.restore();
  },
};

/**
 * The series name beside the first point of each series (where the
 * trajectories of an information plane start apart)
 * (`options.plugins.endLabels.enabled`), for charts whose points are
 * coloured by epoch, where the legend's line colour is easy to miss.
 */
export const endLabels = {
  id: "endLabels",
  afterDatasetsDraw(chart, _args, opts) {
    if (!opts?.enabled) return;
    const { ctx, chartArea } = chart;
    ctx.save();
    ctx.font = "600 11px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    const taken = [];
    chart.data.datasets.forEach((ds, i) => {
      if (!chart.isDatasetVisible(i) || !ds.pointColors || !ds.data.length) return;
      const meta = chart.getDatasetMeta(i);
      const el = meta.data[0];
      if (!el || !Number.isFinite(el.x) || !Number.isFinite(el.y)) return;
      const w = ctx.measureText(ds.label).width;
      let x = el.x + 7;
      if (x + w > chartArea.right) x = el.x - 7 - w;
      let y = Math.min(Math.max(el.y + 9, chartArea.top + 6), chartArea.bottom - 6);
      // step down past labels already drawn nearby
      while (taken.some((t) => Math.abs(t.y - y) < 12 && x < t.x + t.w && t.x < x + w)) y += 12;
      taken.push({ x, y, w });
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.85)";
      ctx.strokeText(ds.label, x, y);
      ctx.fillStyle = ds.seriesColor ?? "#333";
      ctx.fillText(ds.label, x, y);
    });
    ctx.restore();
  },
};

/**
 * Datasets with `extendRight: true` (a bound that is flat beyond its last
 * point, e.g. the IB bound) continue flat from their last point to the
 * right end of the x axis, wherever zoom or pan put it.
 */
export const flatToAxisEnd = {
  id: "flatToAxisEnd",
  afterDatasetsDraw(chart) {
    const { ctx, chartArea } = chart;
    chart.data.datasets.forEach((ds, i) => {
      if (!ds.extendRight || !chart.isDatasetVisible(i)) return;
      const meta = chart.getDatasetMeta(i);
      const last = meta.data[meta.data.length - 1];
      if (!last || !Number.isFinite(last.x) || !Number.isFinite(last.y)) return;
      if (last.x >= chartArea.right || last.y < chartArea.top || last.y > chartArea.bottom) return;
      ctx.save();
      ctx.beginPath();
      ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom);
      ctx.clip();
      ctx.strokeStyle = ds.borderColor;
      ctx.lineWidth = ds.borderWidth ?? 2;
      ctx.setLineDash(ds.borderDash ?? []);
      ctx.beginPath();
      ctx.moveTo(Math.max(last.x, chartArea.left), last.y);
      ctx.lineTo(chartArea.right, last.y);
      ctx.stroke();
      ctx.restore();
    });
  },
};

/**
 * Points coloured one by one (charts coloured by epoch): a dataset's
 * `pointColors[j]` fills point j (radius 3); points where `pointFrame[j]`
 * is true (the slider's epoch) are larger (radius 6) with a 2 px ring in
 * `pointBorderColor`. Chart.js itself draws no points for these datasets
 * (radius 0, so every option of the dataset is shared, not resolved point
 * by point: a 1,600-point plane draws in a few ms instead of 150 on a first
 * load); it still finds them under the pointer (hit radius) and draws the
 * hovered one, again on top here.
 */
export const epochPoints = {
  id: "epochPoints",
  afterDatasetDraw(chart, args) {
    const ds = chart.data.datasets[args.index];
    const colors = ds?.pointColors;
    if (!colors) return;
    const { ctx, chartArea } = chart;
    const pad = typeof ds.clip === "number" ? ds.clip : 0;
    const elements = args.meta.data;
    ctx.save();
    ctx.beginPath();
    ctx.rect(
      chartArea.left - pad,
      chartArea.top - pad,
      chartArea.right - chartArea.left + 2 * pad,
      chartArea.bottom - chartArea.top + 2 * pad,
    );
    ctx.clip();
    const frame = ds.pointFrame;
    for (let j = 0; j < elements.length; j++) {
      const el = elements[j];
      if (!el || el.skip || !Number.isFinite(el.x) || !Number.isFinite(el.y)) continue;
      const big = frame?.[j] === true;
      ctx.beginPath();
      ctx.arc(el.x, el.y, big ? 6 : 3, 0, 2 * Math.PI);
      ctx.fillStyle = colors[j];
      ctx.fill();
      if (big) {
        ctx.lineWidth = 2;
        ctx.strokeStyle = ds.pointBorderColor;
        ctx.stroke();
      }
    }
    ctx.restore();
    for (const a of chart.getActiveElements()) {
      if (a.datasetIndex === args.index) a.element.draw(ctx, chartArea);
    }
  },
};

/** Every plugin above, for a chart's `plugins` list. */
export const dashboardPlugins = [
  whiteBackground,
  seedSpread,
  epochMarkers,
  endLabels,
  flatToAxisEnd,
  epochPoints,
];
