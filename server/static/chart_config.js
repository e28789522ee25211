// Turns a ChartSpec and the server's aggregated series into a Chart.js
// config. Generic: nothing here knows a plugin by name. Series of one group
// share a colour; the second and later metrics of a group are dashed.

import { epochScale, sequential, seriesColor, withAlpha } from "./colors.js";
import { linearTick } from "./tick_labels.js";

const DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];

/** Points of one series as Chart.js data objects (carrying sd, epoch and n). */
export function seriesPoints(s, isBar) {
  const out = [];
  for (let i = 0; i < s.x.length; i++) {
    out.push({
      x: isBar ? String(s.x[i]) : s.x[i],
      y: s.y[i],
      xSd: s.xSd?.[i],
      ySd: s.ySd?.[i],
      epoch: s.epoch?.[i],
      n: s.n?.[i],
    });
  }
  return out;
}

/** Latest epoch of `epochs` that is <= limit (the slider's current frame). */
function frameEpoch(epochs, limit) {
  let best = -Infinity;
  for (const e of epochs) if (e <= limit && e > best) best = e;
  return best;
}

function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

/**
 * Tick labels of a log axis: powers of ten; on short ranges also 2 and 5
 * between them, and within about one decade every whole mantissa (sparse:
 * no 0.11, 0.12, ...).
 */
function logTicks(scale) {
  return (v) => {
    const decades = Math.log10(scale.max / scale.min);
    const m = v / 10 ** Math.floor(Math.log10(v) + 1e-9);
    const near = (k) => Math.abs(m - k) < 1e-6;
    // within about a decade: whole mantissas only (0.1, 0.2, ... not 0.11, 0.12)
    const whole = Math.abs(m - Math.round(m)) < 1e-6;
    const keep = near(1) || (decades < 1.2 && whole) || (decades < 2.5 && (near(2) || near(5)));
    if (!keep) return "";
    const e = Math.round(Math.log10(v));
    return Math.abs(m - 1) < 1e-6 && (e <= -4 || e >= 5) ? `1e${e}` : fmt(v);
  };
}

/** The largest 1, 2 or 5 times a power of ten not above v (a round log-axis start). */
function niceFloor(v) {
  const p = 10 ** Math.floor(Math.log10(v));
  return [5, 2, 1].map((m) => m * p).find((c) => c <= v * (1 + 1e-9)) ?? p;
}

function axis(def, isX, isBar, minPositive) {
  const type = isX && isBar ? "category" : def.log ? "logarithmic" : "linear";
  const axisDef = {
    type,
    title: { display: true, text: def.label, font: { size: 12 } },
    grid: { color: "rgba(0,0,0,0.06)" },
    ticks: { font: { size: 11 }, maxTicksLimit: 9 },
  };
  if (type === "logarithmic") {
    // every candidate tick is kept; the callback decides which get labels
    delete axisDef.ticks.maxTicksLimit;
    axisDef.ticks.autoSkip = false;
    axisDef.ticks.callback = function (v) {
      return logTicks(this)(v);
    };
    if (Number.isFinite(minPositive)) axisDef.min = niceFloor(minPositive);
  } else if (type === "linear") {
    axisDef.ticks.callback = linearTick;
  }
  if (type === "linear" && isX && def.field === "index") {
    // an index (order l, beta step) is a whole number: no 1.2, 1.4 ticks
    axisDef.ticks.precision = 0;
    axisDef.ticks.stepSize = 1;
  }
  return axisDef;
}

/**
 * Widens an axis to cover [min, max] when given (suggested bounds, so the
 * ticks stay round; category axes keep their labels).
 */
function withRange(axisDef, range) {
  if (!range || axisDef.type === "category") return axisDef;
  const [min, max] = range;
  if (axisDef.type === "logarithmic") {
    if (min > 0) axisDef.min = min;
    axisDef.max = max;
  } else {
    axisDef.suggestedMin = min;
    axisDef.suggestedMax = max;
  }
  return axisDef;
}

/**
 * The [min, max] of x and y over several charts' data (series and
 * overlays), for drawing them on the same axes; log axes ignore values <= 0.
 */
export function commonRange(datas) {
  const spec = datas[0]?.chart;
  const span = (key, log) => {
    let lo = Infinity, hi = -Infinity;
    for (const d of datas) {
      for (const s of [...d.series, ...(d.overlay ?? [])]) {
        for (const v of s[key]) {
          if (typeof v !== "number" || !Number.isFinite(v) || (log && v <= 0)) continue;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
      }
    }
    return lo <= hi ? [lo, hi] : undefined;
  };
  return { x: span("x", spec?.x.log), y: span("y", spec?.y.log) };
}

/** Smallest positive finite value of `key` over all points (log axes start there). */
function minPositive(datasets, key) {
  let m = Infinity;
  for (const ds of datasets) {
    for (const p of ds.data) {
      const v = p[key];
      if (typeof v === "number" && v > 0 && v < m) m = v;
    }
  }
  return m;
}

/**
 * A bar chart whose x axis holds one value (e.g. one number per layer)
 * reads better with the groups as categories and one dataset per metric.
 */
function transposeBars(data) {
  const spec = data.chart;
  const xs = new Set(data.series.flatMap((s) => s.x));
  const groups = [...new Set(data.series.map((s) => s.group))];
  if (
    data.overlaid || spec.type !== "bar" || xs.size !== 1 || groups.length < 2 ||
    spec.groupBy === "metric"
  ) {
    return null;
  }
  const metrics = spec.y.metrics.filter((m) => data.series.some((s) => s.metric === m));
  const series = metrics.map((metric) => {
    const s = { label: metric, group: metric, metric, x: [], y: [], ySd: [], n: [] };
    for (const g of groups) {
      const src = data.series.find((t) => t.group === g && t.metric === metric);
      s.x.push(g);
      s.y.push(src ? src.y[0] : null);
      s.ySd.push(src?.ySd ? src.ySd[0] : undefined);
      s.n.push(src ? src.n[0] : 0);
    }
    return s;
  });
  return {
    ...data,
    chart: { ...spec, groupBy: "metric", x: { ...spec.x, label: spec.groupBy } },
    series,
    categories: groups,
  };
}

/**
 * The Chart.js config for `data` (the chart endpoint's answer, or one built
 * in the page). `view.epochLimit` keeps points up to that epoch (slider);
 * `view.spread === false` hides the seed spread;
 * `view.range` ({x: [min, max], y: [min, max]}) fixes axis ranges (to
 * compare runs side by side on the same axes).
 */
export function buildChartConfig(data, view = {}) {
  data = transposeBars(data) ?? data;
  const spec = data.chart;
  const isBar = spec.type === "bar";
  const isScatter = spec.type === "scatter";
  const epochAxis = !isBar && !spec.x.metric && (spec.x.field ?? "epoch") === "epoch";
  const colorByEpoch = spec.colorBy === "epoch";
  const groups = [...new Set(data.series.map((s) => s.group))];
  const multiSeed = (data.seeds?.length ?? 1) > 1;
  const maxEpoch = Math.max(
    data.epochs?.length ? data.epochs[data.epochs.length - 1] : 1,
    data.lastEpoch ?? 0,
  );
  const toUnit = epochScale(maxEpoch);
  const limit = view.epochLimit ?? Infinity;
  const frame = colorByEpoch && Number.isFinite(limit)
    ? frameEpoch(data.epochs ?? [], limit)
    : null;
  const colorCache = new Map();
  const epochColor = (e) => {
    let c = colorCache.get(e);
    if (!c) colorCache.set(e, c = sequential(toUnit(e)));
    return c;
  };

  // one line per seed (and layer): coloured by layer, thin
  const perSeedLines = spec.groupBy === "seed" && !isScatter && !isBar;
  const layerIds = [...new Set(data.series.map((s) => s.layer ?? ""))];
  const datasets = data.series.map((s) => {
    const color = s.color ??
      (perSeedLines
        ? seriesColor(layerIds.indexOf(s.layer ?? ""))
        : seriesColor(groups.indexOf(s.group)));
    const metricIndex = Math.max(0, spec.y.metrics.indexOf(s.metric));
    let points = seriesPoints(s, isBar);
    if (Number.isFinite(limit)) {
      points = points.filter((p) => p.epoch === undefined || p.epoch <= limit);
    }
    const hasSd = multiSeed && (s.ySd || s.xSd);
    const ds = {
      label: s.label,
      data: points,
      borderColor: colorByEpoch ? withAlpha(color, 0.55) : color,
      backgroundColor: isBar ? withAlpha(color, 0.75) : color,
      borderWidth: isBar ? 1 : colorByEpoch || perSeedLines ? 1.2 : 1.8,
      borderDash: s.dash ??
        (spec.groupBy === "metric" ? [] : DASHES[metricIndex % DASHES.length]),
      spread: hasSd && view.spread !== false
        ? (isBar || isScatter ? "whiskers" : "band")
        : undefined,
      // lighter when many series overlap
      spreadColor: withAlpha(
        color,
        (isBar ? 0.35 : isScatter ? 0.2 : 0.16) * Math.min(1, 3 / Math.max(3, data.series.length)),
      ),
      seriesColor: color,
    };
    if (!isBar) {
      ds.showLine = true;
      ds.tension = 0;
      const few = points.length <= 40;
      ds.pointHoverRadius = 5;
      ds.pointBorderColor = color;
      if (colorByEpoch) {
        // drawn by the epochPoints plugin (chart_plugins.js): Chart.js options stay shared
        ds.pointRadius = 0;
        ds.pointBorderWidth = 0;
        ds.pointColors = points.map((p) => epochColor(p.epoch ?? 0));
        if (frame !== null) ds.pointFrame = points.map((p) => p.epoch === frame);
        // the hovered point as before: its epoch's colour, ringed
        ds.pointHoverBackgroundColor = (c) => epochColor(c.raw?.epoch ?? 0);
        ds.pointHoverBorderWidth = 2;
      } else {
        ds.pointRadius = few ? 2.5 : 0;
        ds.pointBorderWidth = 0;
      }
      ds.pointHitRadius = 6;
      ds.clip = 7;
    }
    return ds;
  });

  for (const o of data.overlay ?? []) {
    datasets.push({
      label: o.label,
      data: o.x.map((x, i) => ({ x, y: o.y[i] })),
      borderColor: "#222",
      backgroundColor: "#222",
      borderWidth: 2,
      borderDash: [7, 4],
      pointRadius: 0,
      showLine: true,
      type: isBar ? "line" : undefined,
      order: -1,
      seriesColor: "#222",
      extendRight: o.flat === true,
      overlay: true,
    });
  }

  // One line per marker in its layer's colour; with several, one label at the leftmost.
  const markers = data.markers ?? [];
  const leftmost = markers.reduce((best, m, i) => (m.value < markers[best].value ? i : best), 0);
  const markerItems = markers.map((m, i) => {
    const g = groups.indexOf(m.layer);
    return {
      value: m.value,
      color: g >= 0 ? seriesColor(g) : "#333",
      label: markers.length === 1
        ? `${m.label}: ${fmt(m.value)}`
        : i === leftmost
        ? `${m.label} (per layer)`
        : "",
    };
  });

  const labels = isBar
    ? data.categories ??
      [...new Set(data.series.flatMap((s) => s.x))].sort((a, b) => a - b).map(String)
    : undefined;
  return {
    type: isBar ? "bar" : isScatter ? "scatter" : "line",
    data: labels ? { labels, datasets } : { datasets },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: isBar ? { xAxisKey: "x", yAxisKey: "y" } : false,
      normalized: true,
      // lines against epoch: the hover lists every series at the epoch under the pointer
      interaction: epochAxis
        ? { mode: Chart.Interaction.modes.epoch ? "epoch" : "x", intersect: false }
        : { mode: "nearest", intersect: false, axis: isBar ? "x" : "xy" },
      scales: {
        x: withRange(axis(spec.x, true, isBar, minPositive(datasets, "x")), view.range?.x),
        y: withRange(
          { ...axis(spec.y, false, false, minPositive(datasets, "y")), beginAtZero: isBar },
          view.range?.y,
        ),
      },
      plugins: {
        legend: {
          position: "bottom",
          labels: {
            usePointStyle: true,
            pointStyleWidth: 24,
            font: { size: 11 },
            generateLabels: (chart) =>
              chart.data.datasets.map((ds, i) => ({
                text: ds.label,
                fillStyle: ds.seriesColor,
                strokeStyle: ds.seriesColor,
                lineWidth: isBar && ds.type !== "line" ? 0 : 2.5,
                lineDash: ds.borderDash ?? [],
                pointStyle: isBar && ds.type !== "line" ? "rect" : "line",
                hidden: !chart.isDatasetVisible(i),
                datasetIndex: i,
              })),
          },
        },
        tooltip: {
          callbacks: {
            title: (items) => {
              if (!items.length) return "";
              if (epochAxis) return `epoch ${fmt(items[0].raw?.x)}`;
              if (isBar) return `${spec.x.label}: ${items[0].label}`;
              return "";
            },
            label: (ctx) => {
              const p = ctx.raw ?? {};
              const xs = isScatter ? `${fmt(p.x)}${p.xSd ? ` ± ${fmt(p.xSd)}` : ""}, ` : "";
              const ys = `${fmt(p.y)}${p.ySd ? ` ± ${fmt(p.ySd)}` : ""}`;
              const ep = p.epoch !== undefined && isScatter && !epochAxis
                ? ` · epoch ${p.epoch}`
                : "";
              const n = p.n > 1 ? ` · ${p.n} seeds` : "";
              return `${ctx.dataset.label}: ${xs}${ys}${ep}${n}`;
            },
          },
        },
        zoom: {
          // ctrl + wheel or pinch zooms, a drag with shift draws a box to zoom into, a drag pans
          zoom: {
            wheel: { enabled: true, modifierKey: "ctrl" },
            pinch: { enabled: true },
            drag: { enabled: true, modifierKey: "shift" },
            mode: isBar ? "y" : "xy",
          },
          pan: { enabled: true, mode: isBar ? "y" : "xy" },
        },
        // long lines on a linear x axis (training curves of thousands of epochs): about
        // one point per pixel column drawn (Chart.js's LTTB; hover, bands and the points
        // kept are the data's own, the CSV the whole series)
        decimation: { enabled: !isBar && !isScatter, algorithm: "lttb" },
        epochMarkers: { items: markerItems },
        endLabels: { enabled: colorByEpoch },
      },
    },
  };
}
