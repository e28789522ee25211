/**
 * `phases`: per layer and seed, the epoch where the gradient SNR drops
 * from drift to diffusion ({@link snrTransition} on `grad-snr`'s `snr`)
 * next to the epoch where I(X;T) peaks ({@link seriesPeak} on
 * `mi-binned`'s `ixt`), and their difference, so the claim that
 * compression starts with the diffusion phase can be checked layer by
 * layer. Runs at run_end on the other plugins' records.
 *
 * Records: epoch 0, index 0, metrics `snr_transition_epoch`,
 * `ixt_peak_epoch`, `peak_minus_transition` (ixt peak minus SNR
 * transition, in epochs); a metric is left out where its series is too
 * short or has no high-to-low break (logged).
 *
 * @module
 */
import { definePlugin } from "../../core/plugin_def.ts";
import { PHASES_PRESENTATION } from "./presentation.ts";
import type { Plugin, ResultRecord } from "../../core/types.ts";
import { seriesPeak, snrTransition } from "./phase.ts";

/** Series of one metric per (layer, seed), epochs ascending. */
function seriesBy(
  records: ResultRecord[],
  metric: string,
): Map<string, { layer: string; seed: number; epochs: number[]; values: number[] }> {
  const out = new Map<string, { layer: string; seed: number; pts: [number, number][] }>();
  for (const r of records) {
    if (r.metric !== metric || r.seed < 0) continue;
    const key = JSON.stringify([r.layer, r.seed]);
    let s = out.get(key);
    if (!s) {
      s = { layer: r.layer, seed: r.seed, pts: [] };
      out.set(key, s);
    }
    s.pts.push([r.epoch, r.value]);
  }
  const res = new Map<
    string,
    { layer: string; seed: number; epochs: number[]; values: number[] }
  >();
  for (const [key, s] of out) {
    s.pts.sort((a, b) => a[0] - b[0]);
    res.set(key, {
      layer: s.layer,
      seed: s.seed,
      epochs: s.pts.map((p) => p[0]),
      values: s.pts.map((p) => p[1]),
    });
  }
  return res;
}

/** The `phases` plugin. */
export const phasesPlugin: Plugin = definePlugin({
  id: "phases",
  description: "Drift-to-diffusion SNR transition epoch next to the I(X;T) peak epoch",
  options: {
    minSegment: {
      type: "integer",
      default: 2,
      min: 1,
      description: "fewest samples on each side of the SNR break",
    },
  },
  consumes: ["run_end"],
  requires: ["grad-snr", "mi-binned"],
  emits: [
    { name: "snr_transition_epoch", description: "first epoch of the low-SNR (diffusion) phase" },
    { name: "ixt_peak_epoch", description: "epoch of the largest binned I(X;T)" },
    { name: "peak_minus_transition", description: "ixt_peak_epoch - snr_transition_epoch" },
  ],
  presentation: PHASES_PRESENTATION,
  charts: [{
    id: "phases",
    title: "SNR transition and I(X;T) peak",
    type: "bar",
    x: { field: "index", label: "layer" },
    y: { metrics: ["snr_transition_epoch", "ixt_peak_epoch"], label: "epoch" },
    groupBy: "layer",
  }],
  setup(ctx, options) {
    const minSegment = options.minSegment;
    return {
      run_end: () => {
        const snr = seriesBy(ctx.results("grad-snr"), "snr");
        const ixt = seriesBy(ctx.results("mi-binned"), "ixt");
        const keys = [...new Set([...snr.keys(), ...ixt.keys()])];
        for (const key of keys) {
          const s = snr.get(key);
          const i = ixt.get(key);
          const { layer, seed } = (s ?? i)!;
          const base = { layer, epoch: 0, seed };
          const tr = s ? snrTransition(s.epochs, s.values, minSegment) : null;
          const pk = i ? seriesPeak(i.epochs, i.values) : null;
          if (s && !tr) ctx.log(`${layer} seed ${seed}: no high-to-low SNR break found`);
          if (tr) ctx.emit([{ ...base, metric: "snr_transition_epoch", value: tr.epoch }]);
          if (pk) ctx.emit([{ ...base, metric: "ixt_peak_epoch", value: pk.epoch }]);
          if (tr && pk) {
            ctx.emit([{ ...base, metric: "peak_minus_transition", value: pk.epoch - tr.epoch }]);
          }
        }
      },
    };
  },
});
