// Downloads of a chart: its picture (PNG) and its data (CSV).

/** Saves `href` (a data: or blob: URL) as `filename`. */
export function saveAs(href, filename) {
  const a = document.createElement("a");
  a.href = href;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
}

function cell(v) {
  if (v === undefined || v === null) return "";
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** CSV of a chart's series (one row per point) and overlay curves. */
export function chartCsv(data) {
  const rows = [[
    "series",
    "group",
    "layer",
    "metric",
    "seed",
    "x",
    "y",
    "x_sd",
    "y_sd",
    "epoch",
    "n",
  ]];
  for (const s of data.series) {
    for (let i = 0; i < s.x.length; i++) {
      rows.push([
        s.label,
        s.group,
        s.layer,
        s.metric,
        s.seed,
        s.x[i],
        s.y[i],
        s.xSd?.[i],
        s.ySd?.[i],
        s.epoch?.[i],
        s.n?.[i],
      ]);
    }
  }
  for (const o of data.overlay ?? []) {
    for (let i = 0; i < o.x.length; i++) {
      rows.push([o.label, "overlay", o.layer, "", "", o.x[i], o.y[i]]);
    }
  }
  return rows.map((r) => r.map(cell).join(",")).join("\n") + "\n";
}

/** Saves a CSV text. */
export function saveCsv(text, filename) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv" }));
  saveAs(url, filename);
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** A file-name-safe version of s. */
export function fileSafe(s) {
  return String(s).replace(/[^A-Za-z0-9_.-]+/g, "_").replace(/^_+|_+$/g, "");
}
