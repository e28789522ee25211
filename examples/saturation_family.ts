/**
 * An example plugin family, written only against layerlens's public types:
 * two plugins that show up in `lens show`, the `lens sweep` table and a
 * dashboard tab of their own, and draw on the information plane, with no
 * change anywhere outside this file.
 *
 * - `saturation`: at every sampled epoch, per hidden layer, the fraction of
 *   units whose activation magnitude is at least `threshold` (a saturated
 *   tanh unit is near +-1) and the mean absolute activation. A chart over
 *   epochs, a table (first and last epoch, mean over seeds), and a sweep
 *   column (the last hidden layer's final saturation).
 * - `label-ceiling`: H(Y) of the probe labels in bits, the ceiling no
 *   layer's I(T;Y) can pass, drawn as a flat line over mi-binned's
 *   information planes (a decoration of another plugin's charts).
 *
 * Run: `deno task lens run examples/tishby12_tanh.yaml --plugin
 * examples/saturation_family.ts --set ...` with `plugins: [mi-binned,
 * saturation, label-ceiling]` in the config; `lens show latest --plugin
 * examples/saturation_family.ts`; `lens serve --plugin
 * examples/saturation_family.ts`.
 *
 * @module
 */
import type { Plugin, Presentation, ResultRecord } from "../mod.ts";

/** The family's dashboard tab. */
const TAB = { id: "saturation", title: "Saturation", order: 40 };

/** Seed-mean of `metric` per (layer, epoch) from `saturation`'s own per-seed records. */
function seedMeans(records: readonly ResultRecord[], metric: string) {
  const sums = new Map<string, Map<number, number[]>>();
  for (const r of records) {
    if (r.plugin !== "saturation" || r.metric !== metric || r.seed < 0) continue;
    let byEpoch = sums.get(r.layer);
    if (!byEpoch) sums.set(r.layer, byEpoch = new Map());
    const v = byEpoch.get(r.epoch) ?? [];
    v.push(r.value);
    byEpoch.set(r.epoch, v);
  }
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return [...sums].map(([layer, byEpoch]) => {
    const epochs = [...byEpoch.keys()].sort((a, b) => a - b);
    return { layer, epochs, means: epochs.map((e) => mean(byEpoch.get(e)!)) };
  });
}

const SATURATION_PRESENTATION: Presentation = {
  tab: TAB,
  tables: [{
    id: "saturation",
    format(records) {
      const rows = seedMeans(records, "saturated");
      if (!rows.length) return "";
      const lines = rows.map((r) =>
        `  ${r.layer.padEnd(10)} epoch ${String(r.epochs[0]).padStart(5)}: ` +
        `${r.means[0].toFixed(3)}   epoch ${String(r.epochs.at(-1)).padStart(5)}: ` +
        `${r.means.at(-1)!.toFixed(3)}`
      );
      return ["Saturated units (fraction, mean over seeds), first and last epoch", ...lines]
        .join("\n");
    },
  }],
  sweepColumns: [{
    id: "saturation",
    headers: ["saturated (last layer)"],
    cells(records) {
      const rows = seedMeans(records, "saturated");
      const last = rows.filter((r) => r.layer !== "output").at(-1);
      if (!last) return null;
      const value = last.means.at(-1)!;
      return { text: [value.toFixed(3)], values: { layer: last.layer, saturated: value } };
    },
  }],
};

/** Fraction of saturated units and mean |activation| per hidden layer. */
export const saturationPlugin: Plugin = {
  id: "saturation",
  description: "Fraction of units with |activation| >= threshold, and mean |activation|, " +
    "per hidden layer at sampled epochs",
  options: {
    threshold: {
      type: "number",
      default: 0.9,
      min: 0,
      description: "activation magnitude from which a unit counts as saturated",
    },
  },
  consumes: ["activations"],
  emits: [
    { name: "saturated", description: "fraction of unit activations with |a| >= threshold" },
    { name: "mean_abs", description: "mean |activation| over units and probe inputs" },
  ],
  presentation: SATURATION_PRESENTATION,
  charts: [{
    id: "saturation",
    title: "Saturated units",
    type: "line",
    x: { field: "epoch", label: "epoch", log: true },
    y: { metrics: ["saturated"], label: "fraction saturated" },
    groupBy: "layer",
  }],
  setup(ctx, options) {
    const threshold = Number(options.threshold);
    return {
      activations(e) {
        for (const [layer, a] of e.cache) {
          if (layer === "output") continue;
          let sat = 0, abs = 0;
          for (let i = 0; i < a.data.length; i++) {
            const m = Math.abs(a.data[i]);
            abs += m;
            if (m >= threshold) sat++;
          }
          const n = a.data.length || 1;
          ctx.emit([
            { layer, epoch: e.epoch, seed: e.seed, metric: "saturated", value: sat / n },
            { layer, epoch: e.epoch, seed: e.seed, metric: "mean_abs", value: abs / n },
          ]);
        }
      },
    };
  },
};

/** H(Y) of the probe labels: the ceiling of I(T;Y), drawn over the information plane. */
export const labelCeilingPlugin: Plugin = {
  id: "label-ceiling",
  description: "H(Y) of the probe labels in bits: no layer's I(T;Y) can exceed it",
  options: {},
  consumes: ["activations"],
  emits: [
    { name: "hy", unit: "bits", description: "entropy of the probe labels" },
    { name: "ceiling_ixt", unit: "bits", description: "x of the ceiling line's ends" },
    { name: "ceiling_ity", unit: "bits", description: "y of the ceiling line (H(Y))" },
  ],
  presentation: {
    tab: TAB,
    decorations: [{
      kind: "overlay",
      on: ["mi-binned"],
      x: "ceiling_ixt",
      y: "ceiling_ity",
      label: "H(Y) ceiling",
    }],
  },
  setup(ctx) {
    let done = false;
    return {
      activations(e) {
        if (done) return;
        done = true;
        const counts = new Map<number, number>();
        for (const y of e.labels) counts.set(y, (counts.get(y) ?? 0) + 1);
        let hy = 0;
        for (const c of counts.values()) {
          const p = c / e.labels.length;
          hy -= p * Math.log2(p);
        }
        // a flat line from I(X;T) = 0 to log2 N, the most any layer can reach
        const top = Math.log2(e.labels.length);
        ctx.emit([
          { layer: "ceiling", epoch: 0, seed: 0, metric: "hy", value: hy },
          { layer: "ceiling", epoch: 0, seed: 0, index: 0, metric: "ceiling_ixt", value: 0 },
          { layer: "ceiling", epoch: 0, seed: 0, index: 0, metric: "ceiling_ity", value: hy },
          { layer: "ceiling", epoch: 0, seed: 0, index: 1, metric: "ceiling_ixt", value: top },
          { layer: "ceiling", epoch: 0, seed: 0, index: 1, metric: "ceiling_ity", value: hy },
        ]);
      },
    };
  },
};
