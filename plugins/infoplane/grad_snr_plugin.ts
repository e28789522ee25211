/**
 * `grad-snr`: gradient signal-to-noise per layer at sampled epochs ([SZT]
 * Fig. 4; docs/methods.md section 4). The engine hands the weight gradients of
 * every mini-batch of a sampled epoch (`batch_end`); at that epoch's
 * `epoch_end` the plugin emits per layer `grad_mean` = ||mean over
 * batches||_2, `grad_std` = ||population std over batches||_2 and `snr` =
 * grad_mean / grad_std (grad_moments.ts), then forgets the epoch. State is
 * kept per seed, so interleaved seeds do not mix. Per-layer values, not the
 * authors' cumulative sum over layers. With a single batch per epoch the
 * std is 0 and `snr` is not emitted (logged once).
 *
 * @module
 */
import { GRADIENTS_TAB } from "./presentation.ts";
import { LensError } from "../../core/errors.ts";
import type {
  BatchEndEvent,
  EpochEndEvent,
  OptionSpec,
  Plugin,
  PluginContext,
  ResultInput,
} from "../../core/types.ts";
import { addGradient, createGradMoments, type GradMoments, gradSnr } from "./grad_moments.ts";
import { readOptions } from "./read_options.ts";

const ID = "grad-snr";

/** Declared options of `grad-snr`. */
export const GRAD_SNR_OPTIONS: Record<string, OptionSpec> = {
  layers: {
    type: "string[]",
    default: [],
    description: "Layers whose weight gradients to follow (e.g. [dense_1, output]); empty = all",
  },
};

/** The `grad-snr` plugin. */
export const gradSnrPlugin: Plugin = {
  id: ID,
  description: "Norms of the mean and std of weight gradients over an epoch's batches, and their " +
    "ratio, per layer at sampled epochs (Shwartz-Ziv & Tishby Fig. 4)",
  options: GRAD_SNR_OPTIONS,
  consumes: ["batch_end", "epoch_end"],
  emits: [
    { name: "grad_mean", description: "||mean of the weight gradient over batches||_2" },
    { name: "grad_std", description: "||std of the weight gradient over batches||_2 (ddof 0)" },
    { name: "snr", description: "grad_mean / grad_std" },
  ],
  presentation: { tab: GRADIENTS_TAB },
  charts: [
    {
      id: "grad-snr",
      title: "Gradient mean and std",
      type: "line",
      x: { field: "epoch", label: "epoch", log: true },
      y: { metrics: ["grad_mean", "grad_std"], label: "norm", log: true },
      groupBy: "layer",
    },
    {
      id: "grad-snr-ratio",
      title: "Gradient signal-to-noise ratio",
      type: "line",
      x: { field: "epoch", label: "epoch", log: true },
      y: { metrics: ["snr"], label: "SNR", log: true },
      groupBy: "layer",
    },
  ],
  setup(ctx: PluginContext, raw: Record<string, unknown>) {
    const wanted = readOptions(raw, ID, GRAD_SNR_OPTIONS).layers as string[];
    const keep = wanted.length ? new Set(wanted) : undefined;
    const open = new Map<number, { epoch: number; layers: Map<string, GradMoments> }>();
    let warned = false;

    const onBatch = (e: BatchEndEvent) => {
      let st = open.get(e.seed);
      if (!st || st.epoch !== e.epoch) open.set(e.seed, st = { epoch: e.epoch, layers: new Map() });
      for (const [layer, g] of e.grads) {
        if (keep && !keep.has(layer)) continue;
        let m = st.layers.get(layer);
        if (!m) st.layers.set(layer, m = createGradMoments(g.length));
        if (m.mean.length !== g.length) {
          throw new LensError(
            `${ID}: gradient of ${layer} has ${g.length} values in batch ${e.batch} of epoch ${e.epoch} (seed ${e.seed}), ${m.mean.length} before`,
            { code: "data", field: layer, expected: "the same gradient size in every batch" },
          );
        }
        addGradient(m, g);
      }
    };

    const onEpochEnd = (e: EpochEndEvent) => {
      const st = open.get(e.seed);
      if (!st || st.epoch !== e.epoch) return;
      open.delete(e.seed);
      if (keep) {
        const missing = [...keep].filter((l) => !st.layers.has(l));
        if (missing.length) {
          throw new LensError(`${ID}: no weight gradients for ${missing.join(", ")}`, {
            code: "config",
            field: `plugins.${ID}.layers`,
            expected: `names among ${[...st.layers.keys()].join(", ") || "(none received)"}`,
          });
        }
      }
      const out: ResultInput[] = [];
      for (const [layer, m] of st.layers) {
        const r = gradSnr(m);
        if (!Number.isFinite(r.mean) || !Number.isFinite(r.std)) {
          throw new LensError(
            `${ID}: gradients of ${layer} at epoch ${e.epoch} of seed ${e.seed} are not finite`,
            { code: "data", field: layer, expected: "finite weight gradients" },
          );
        }
        const rec = { layer, epoch: e.epoch, seed: e.seed };
        out.push({ ...rec, metric: "grad_mean", value: r.mean });
        out.push({ ...rec, metric: "grad_std", value: r.std });
        if (r.std > 0) out.push({ ...rec, metric: "snr", value: r.snr });
        else if (!warned) {
          warned = true;
          ctx.log(`gradient std is 0 (${m.n} batch per epoch?): snr not emitted`);
        }
      }
      ctx.emit(out);
    };

    return { batch_end: onBatch, epoch_end: onEpochEnd };
  },
};
