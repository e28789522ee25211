// Loss and accuracy curves from the live stream's epoch rows, in the same
// shape as the chart endpoint's answer so the generic card draws them.

function meanSd(vs) {
  const n = vs.length;
  if (!n) return [NaN, NaN];
  const m = vs.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(vs.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1)) : 0;
  return [m, sd];
}

/** Accumulates epoch rows [id, seed, epoch, loss, accuracy, testLoss, testAccuracy]. */
export function createTrainingData() {
  const rows = new Map(); // `${seed}:${epoch}` -> row
  const seeds = new Set();
  const series = (metric, col, label) => {
    const byEpoch = new Map();
    for (const r of rows.values()) {
      const v = r[col];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      let vs = byEpoch.get(r[2]);
      if (!vs) byEpoch.set(r[2], vs = []);
      vs.push(v);
    }
    const epochs = [...byEpoch.keys()].sort((a, b) => a - b);
    const s = { label, group: label, layer: "", metric, x: [], y: [], ySd: [], n: [] };
    for (const e of epochs) {
      const vs = byEpoch.get(e);
      const [m, sd] = meanSd(vs);
      s.x.push(e);
      s.y.push(m);
      s.ySd.push(sd);
      s.n.push(vs.length);
    }
    return s;
  };
  const chart = (id, title, metric, cols, yLabel, log) => {
    const list = cols.map(([col, label]) => series(metric, col, label)).filter((s) => s.x.length);
    return {
      chart: {
        id,
        title,
        type: "line",
        x: { field: "epoch", label: "epoch" },
        y: { metrics: [metric], label: yLabel, log },
        groupBy: "metric",
      },
      series: list,
      seeds: [...seeds],
      epochs: [],
    };
  };
  return {
    get size() {
      return rows.size;
    },
    add(newRows) {
      for (const r of newRows) {
        rows.set(`${r[1]}:${r[2]}`, r);
        seeds.add(r[1]);
      }
    },
    loss: () =>
      chart("loss", "Loss", "loss", [[3, "train"], [5, "test"]], "cross-entropy (nats)", true),
    accuracy: () =>
      chart("accuracy", "Accuracy", "accuracy", [[4, "train"], [6, "test"]], "accuracy", false),
  };
}
