// A chart card: title, PNG (2x, with title, legend and colour bar) / CSV
// downloads, zoom and pan (chartjs-plugin-zoom; "Reset zoom" undoes them),
// the canvas, and for charts coloured by epoch a colour bar with an epoch
// slider and play button.
// Everything is drawn generically from the data's ChartSpec.

import { buildChartConfig } from "./chart_config.js";
import { epochScale, sequential, sequentialGradient } from "./colors.js";
import { dashboardPlugins } from "./chart_plugins.js";
import { el } from "./dom.js";
import { loadCharts, loadedChart } from "./chart_lib.js";
import { drawInTurn } from "./draw_order.js";
import { chartCsv, fileSafe, saveAs, saveCsv } from "./downloads.js";

/** The most seeds averaged at any point (1 when no point is a mean). */
function meanOver(data) {
  let m = 0;
  for (const s of data.series) for (const k of s.n ?? []) if (k > m) m = k;
  return m;
}

/** The dashboard's chart plugins, and the zoom plugin when its script loaded. */
function chartPlugins() {
  return globalThis.ChartZoom ? [...dashboardPlugins, globalThis.ChartZoom] : dashboardPlugins;
}

/**
 * The chart as a PNG data URL at twice its size on screen: drawn again
 * off screen at device pixel ratio 2 with its title above and (charts
 * coloured by epoch) the epoch colour bar below; the legend is part of it.
 */
export function exportPng(chart, title, data) {
  const w = chart.width, h = chart.height;
  const off = document.createElement("canvas");
  off.style.width = `${w}px`;
  off.style.height = `${h}px`;
  const holder = document.createElement("div");
  holder.style.cssText = `position: fixed; left: -10000px; top: 0; width: ${w}px; height: ${h}px`;
  holder.append(off);
  document.body.append(holder);
  const cfg = chart.config;
  const copy = new Chart(off, {
    type: cfg.type,
    data: cfg.data,
    plugins: cfg.plugins,
    options: {
      ...cfg.options,
      responsive: false,
      devicePixelRatio: 2,
      animation: false,
      scales: Object.fromEntries(
        Object.entries(chart.scales).map(([k, sc]) => [
          k,
          { ...cfg.options.scales[k], min: sc.min, max: sc.max },
        ]),
      ),
      plugins: {
        ...cfg.options.plugins,
        title: { display: !!title, text: title, font: { size: 15, weight: "600" } },
      },
    },
  });
  copy.resize(w, h);
  const bar = data?.chart?.colorBy === "epoch" && data.epochs?.length ? 36 : 0;
  const out = document.createElement("canvas");
  out.width = 2 * w;
  out.height = 2 * (h + bar);
  const ctx = out.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.drawImage(off, 0, 0, 2 * w, 2 * h);
  if (bar) {
    ctx.scale(2, 2);
    const top = Math.max(data.epochs[data.epochs.length - 1], data.lastEpoch ?? 0);
    const toUnit = epochScale(top);
    const x0 = 90, x1 = w - 20, y = h + 6;
    const grad = ctx.createLinearGradient(x0, 0, x1, 0);
    for (let i = 0; i <= 10; i++) grad.addColorStop(i / 10, sequential(i / 10));
    ctx.fillStyle = grad;
    ctx.fillRect(x0, y, x1 - x0, 10);
    ctx.fillStyle = "#333";
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillText("colour = epoch", 8, y + 9);
    for (
      const e of new Set([
        data.epochs[0],
        ...[10, 100, 1000, 10000].filter((v) => v < top),
        top,
      ])
    ) {
      const x = x0 + (x1 - x0) * toUnit(e);
      ctx.fillText(String(e), Math.min(x - 4, x1 - 24), y + 24);
    }
  }
  copy.destroy();
  holder.remove();
  return out.toDataURL("image/png");
}

function countPoints(data) {
  return data.series.reduce((n, s) => n + s.x.length, 0);
}

/**
 * Creates a card in `parent`. `opts.fileBase` names downloads;
 * `opts.subtitle` is a line under the title. Returns {el, update(data), drawn(), destroy()}.
 */
export function createChartCard(parent, opts) {
  const card = el("section", "card chart-card");
  const head = el("div", "card-head");
  const titles = el("div", "card-titles");
  const title = el("h3", "", opts.title);
  const sub = el("div", "muted small", opts.subtitle ?? "");
  titles.append(title, sub);
  const tools = el("div", "card-tools");
  const pngBtn = el("button", "btn small", "PNG");
  const csvBtn = el("button", "btn small", "CSV");
  pngBtn.title = "Download the chart as a PNG image";
  csvBtn.title = "Download the chart's data as CSV";
  const resetBtn = el("button", "btn small reset-zoom", "Reset zoom");
  resetBtn.title = "Back to the whole chart (ctrl + wheel or shift + drag zooms, a drag pans)";
  resetBtn.hidden = true;
  const seedBtn = el("button", "btn small toggle per-seed", "per seed");
  seedBtn.title = "One line per seed instead of the mean over seeds";
  seedBtn.hidden = true;
  let perSeed = false;
  seedBtn.addEventListener("click", () => {
    perSeed = !perSeed;
    seedBtn.classList.toggle("on", perSeed);
    opts.onPerSeed?.(perSeed);
  });
  const sdBtn = el("button", "btn small toggle on", "± sd");
  sdBtn.title = "Show or hide the spread over seeds (±1 sd)";
  sdBtn.hidden = true;
  tools.append(resetBtn, seedBtn, sdBtn, pngBtn, csvBtn);
  head.append(titles, tools);
  const wrap = el("div", "canvas-wrap");
  const canvas = el("canvas");
  wrap.append(canvas);
  const note = el("div", "chart-note muted small");
  const footer = el("div", "chart-footer");
  card.append(head, wrap, note, footer);
  parent.append(card);

  let chart = null;
  let data = null;
  let range;
  let spread = true;
  let epochLimit = Infinity;
  let atEnd = true;
  let timer = null;
  let slider = null;
  let waiting = false;
  let turn = null; // the first draw: null, "waiting" or "drawn"
  let dropTurn = null;
  const firstDraw = Promise.withResolvers(); // settled by the first chart (or destroy)

  const render = () => {
    if (!loadedChart()) {
      // drawn once the chart library has run (chart_lib.js)
      if (!waiting) {
        waiting = true;
        loadCharts().then(() => {
          waiting = false;
          if (data) render();
        }, (e) => (note.textContent = e.message));
      }
      return;
    }
    if (!chart && turn !== "drawn") {
      // the first draw: at once on screen, else after the charts on screen (draw_order.js)
      if (turn === null) {
        let now = true;
        turn = "waiting";
        dropTurn = drawInTurn(card, () => {
          turn = "drawn";
          if (!now && data) render();
        });
        now = false;
      }
      if (turn !== "drawn") return;
    }
    const config = buildChartConfig(data, { epochLimit, range, spread });
    const zoomed = () => (resetBtn.hidden = false);
    config.options.plugins.zoom.zoom.onZoomComplete = zoomed;
    config.options.plugins.zoom.pan.onPanComplete = zoomed;
    if (!chart) {
      config.plugins = chartPlugins();
      chart = new Chart(canvas, config);
      firstDraw.resolve();
      return;
    }
    // keep the user's zoom across live redraws
    const kept = resetBtn.hidden ? null : Object.fromEntries(
      Object.entries(chart.scales).map(([k, sc]) => [k, [sc.min, sc.max]]),
    );
    if (kept) {
      for (const [k, [min, max]] of Object.entries(kept)) {
        if (config.options.scales[k]) Object.assign(config.options.scales[k], { min, max });
      }
    }
    const hidden = new Set(
      chart.data.datasets.filter((_, i) => !chart.isDatasetVisible(i)).map((d) => d.label),
    );
    chart.data = config.data;
    chart.options = config.options;
    chart.update("none");
    chart.data.datasets.forEach((d, i) => {
      if (hidden.has(d.label)) chart.setDatasetVisibility(i, false);
    });
    if (hidden.size) chart.update("none");
  };

  const buildSlider = () => {
    if (timer) clearInterval(timer);
    timer = null;
    slider = null;
    footer.innerHTML = "";
    const epochs = data.epochs ?? [];
    if (data.chart.colorBy !== "epoch" || epochs.length === 0) return;
    const max = epochs[epochs.length - 1];
    const top = Math.max(max, data.lastEpoch ?? 0);
    const toUnit = epochScale(top);
    const ramp = el("div", "colorbar-ramp");
    ramp.style.background = sequentialGradient();
    const ticks = el("div", "colorbar-ticks");
    const tickEpochs = [
      ...new Set([epochs[0], ...[10, 100, 1000, 10000].filter((e) => e < top), top]),
    ];
    for (const e of tickEpochs) {
      const t = el("span", "", String(e));
      t.style.left = `${(100 * toUnit(e)).toFixed(1)}%`;
      ticks.append(t);
    }
    const rampBox = el("div", "colorbar-box");
    rampBox.append(ramp, ticks);
    const bar = el("div", "colorbar");
    bar.append(el("span", "muted small colorbar-label", "colour = epoch"), rampBox);

    const controls = el("div", "slider-row");
    const play = el("button", "btn small play", "▶ Play");
    slider = el("input", "epoch-slider");
    slider.type = "range";
    slider.min = "0";
    slider.max = String(epochs.length - 1);
    const label = el("span", "epoch-label");
    const setIndex = (i) => {
      slider.value = String(i);
      atEnd = i >= epochs.length - 1;
      epochLimit = atEnd ? Infinity : epochs[i];
      label.textContent = atEnd ? `all epochs (≤ ${max})` : `epoch ≤ ${epochs[i]}`;
      render();
    };
    const current = atEnd
      ? epochs.length - 1
      : Math.max(0, epochs.findLastIndex((e) => e <= epochLimit));
    slider.value = String(current);
    label.textContent = atEnd ? `all epochs (≤ ${max})` : `epoch ≤ ${epochs[current]}`;
    slider.addEventListener("input", () => {
      stop();
      setIndex(Number(slider.value));
    });
    const stop = () => {
      if (timer) clearInterval(timer);
      timer = null;
      play.textContent = "▶ Play";
    };
    play.addEventListener("click", () => {
      if (timer) return stop();
      let i = atEnd ? 0 : Number(slider.value);
      play.textContent = "❚❚ Pause";
      const step = Math.max(1, Math.round(epochs.length / 240));
      timer = setInterval(() => {
        i = Math.min(epochs.length - 1, i + step);
        setIndex(i);
        if (i >= epochs.length - 1) stop();
      }, 40);
    });
    controls.append(play, slider, label);
    footer.append(bar, controls);
  };

  sdBtn.addEventListener("click", () => {
    spread = !spread;
    sdBtn.classList.toggle("on", spread);
    if (data) render();
  });
  resetBtn.addEventListener("click", () => {
    resetBtn.hidden = true;
    if (data) {
      chart?.resetZoom?.("none");
      render();
    }
  });
  pngBtn.addEventListener("click", () => {
    if (chart) saveAs(exportPng(chart, opts.title, data), `${fileSafe(opts.fileBase)}.png`);
  });
  csvBtn.addEventListener("click", () => {
    if (data) saveCsv(chartCsv(data), `${fileSafe(opts.fileBase)}.csv`);
  });

  return {
    el: card,
    get chart() {
      return chart;
    },
    /** Draws (or redraws) with new data; `view.range` fixes the axes ({x, y} of [min, max]). */
    update(next, view = {}) {
      range = view.range;
      const epochsBefore = data?.epochs?.length ?? -1;
      data = next;
      const n = countPoints(data);
      const seeds = data.seeds?.length ?? 0;
      note.textContent = n === 0
        ? data.emptyNote ??
          (data.status && data.status !== "running" ? "No records for this chart." : "No data yet.")
        : data.caption !== undefined
        ? data.caption
        : meanOver(data) > 1
        ? `Mean over ${meanOver(data)} seeds; shading / whiskers: ±1 sd.`
        : seeds > 1
        ? `${seeds} seeds, one line each.`
        : seeds === 1
        ? `Seed ${data.seeds[0]}.`
        : "";
      if (data.note) note.textContent += ` ${data.note}`;
      const marks = data.markers ?? [];
      if (marks.length > 1) {
        const list = marks.map((m) => `${m.layer || "all"} ${Math.round(m.value)}`).join(" · ");
        note.textContent += ` ${marks[0].label} epoch: ${list}.`;
      }
      card.classList.toggle("empty", n === 0);
      sdBtn.hidden = !(seeds > 1 && data.series.some((s) => s.ySd || s.xSd));
      seedBtn.hidden = !(opts.onPerSeed && seeds > 1 && data.chart.type === "line" &&
        !data.chart.x.metric);
      if ((data.epochs?.length ?? 0) !== epochsBefore || !slider) buildSlider();
      render();
    },
    /** Resolves once the card has drawn its first chart (or was destroyed). */
    drawn() {
      return firstDraw.promise;
    },
    destroy() {
      firstDraw.resolve();
      if (timer) clearInterval(timer);
      if (turn === "waiting") dropTurn();
      chart?.destroy();
      card.remove();
    },
  };
}
