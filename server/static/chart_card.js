// A chart card: title, PNG / CSV downloads, the canvas, and for charts
// coloured by epoch a colour bar with an epoch slider and play button.
// Everything is drawn generically from the data's ChartSpec.

import { buildChartConfig } from "./chart_config.js";
import { epochScale, sequentialGradient } from "./colors.js";
import { dashboardPlugins } from "./chart_plugins.js";
import { el } from "./dom.js";
import { chartCsv, fileSafe, saveAs, saveCsv } from "./downloads.js";

/** The most seeds averaged at any point (1 when no point is a mean). */
function meanOver(data) {
  let m = 0;
  for (const s of data.series) for (const k of s.n ?? []) if (k > m) m = k;
  return m;
}

function countPoints(data) {
  return data.series.reduce((n, s) => n + s.x.length, 0);
}

/**
 * Creates a card in `parent`. `opts.fileBase` names downloads;
 * `opts.subtitle` is a line under the title. Returns {el, update(data), destroy()}.
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
  const sdBtn = el("button", "btn small toggle on", "± sd");
  sdBtn.title = "Show or hide the spread over seeds (±1 sd)";
  sdBtn.hidden = true;
  tools.append(sdBtn, pngBtn, csvBtn);
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

  const render = () => {
    const config = buildChartConfig(data, { epochLimit, range, spread });
    if (!chart) {
      config.plugins = dashboardPlugins;
      chart = new Chart(canvas, config);
      return;
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
  pngBtn.addEventListener("click", () => {
    if (chart) saveAs(chart.canvas.toDataURL("image/png"), `${fileSafe(opts.fileBase)}.png`);
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
      if ((data.epochs?.length ?? 0) !== epochsBefore || !slider) buildSlider();
      render();
    },
    destroy() {
      if (timer) clearInterval(timer);
      chart?.destroy();
      card.remove();
    },
  };
}
