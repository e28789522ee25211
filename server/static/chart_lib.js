// Chart.js, hammerjs and chartjs-plugin-zoom as one classic script
// (/vendor/charts.js). The page shell preloads it; it runs when a page
// first needs a chart, after the page has asked the API for its data, so
// the download and the script's start overlap the API's answers instead of
// holding the page's modules back.

let loading = null;

/**
 * Hover mode "epoch": in every visible series, the point nearest the
 * pointer in x (one line per series in the tooltip, at about one epoch).
 */
function addEpochMode(Chart) {
  if (Chart.Interaction.modes.epoch) return;
  Chart.Interaction.modes.epoch = (chart, e) => {
    const pos = Chart.helpers.getRelativePosition(e, chart);
    const out = [];
    chart.data.datasets.forEach((ds, i) => {
      if (!chart.isDatasetVisible(i) || ds.overlay) return;
      let best = null, dist = Infinity;
      for (const [index, element] of chart.getDatasetMeta(i).data.entries()) {
        const d = Math.abs(element.x - pos.x);
        if (Number.isFinite(element.y) && d < dist) {
          dist = d;
          best = { element, datasetIndex: i, index };
        }
      }
      if (best && dist < 40) out.push(best);
    });
    return out;
  };
}

/** Chart, once loaded (with the zoom plugin and the "epoch" hover mode); loads it on the first call. */
export function loadCharts() {
  if (globalThis.Chart && !loading) {
    addEpochMode(globalThis.Chart);
    loading = Promise.resolve(globalThis.Chart);
  }
  loading ??= new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = "/vendor/charts.js";
    s.addEventListener("load", () => {
      addEpochMode(globalThis.Chart);
      resolve(globalThis.Chart);
    });
    s.addEventListener("error", () => {
      loading = null;
      reject(new Error("could not load the chart library (/vendor/charts.js)"));
    });
    document.head.append(s);
  });
  return loading;
}

/** Chart when loaded, else undefined. */
export function loadedChart() {
  return globalThis.Chart?.Interaction.modes.epoch ? globalThis.Chart : undefined;
}
