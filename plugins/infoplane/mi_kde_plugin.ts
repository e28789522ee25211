/**
 * `mi-kde`: kernel-density bounds on the information plane ([Saxe],
 * Kolchinsky & Tracey 2017; docs/methods.md section 3). For every hook point (or
 * the `layers` chosen) at every sampled epoch it emits `ixt_upper`,
 * `ixt_lower`, `ity_upper`, `ity_lower` in bits (kde_mi.ts). Cost O(U^2 d)
 * per layer and epoch for U distinct probe rows of d units (identical rows
 * with the same label are one weighted point); memory O(P d).
 *
 * @module
 */
import { INFOPLANE_TAB } from "./presentation.ts";
import type { ActivationsEvent, OptionSpec, Plugin, PluginContext } from "../../core/types.ts";
import { assertFinite, assertLabels, selectLayers } from "./check_inputs.ts";
import { type KdeMi, kdeMi } from "./kde_mi.ts";
import { createKdePool, type KdePool } from "./kde_pool.ts";
import { readOptions } from "./read_options.ts";

const ID = "mi-kde";

/** Declared options of `mi-kde`. */
export const MI_KDE_OPTIONS: Record<string, OptionSpec> = {
  noise_variance: {
    type: "number",
    default: 0.1,
    min: 1e-12,
    description:
      "Variance s2 of the Gaussian noise added to the layer. Default 0.1, the value of " +
      "Saxe et al.'s paper (their notebook uses 1e-3, their demo 0.05): for tanh units in [-1, 1] " +
      "a much smaller s2 isolates every probe point, so I(X;T) sits at log2 P and shows nothing",
  },
  block_size: {
    type: "integer",
    default: 64,
    min: 1,
    description: "Points per chunk of pairwise distances (scratch memory block_size doubles); " +
      "does not change the result",
  },
  workers: {
    type: "integer",
    default: 0,
    min: -1,
    description:
      "0: compute on the main thread, in order; n > 0: in n worker threads, the layers " +
      "of an epoch in parallel and alongside training (records arrive by the seed's train_end); " +
      "-1: one worker per core but one",
  },
  layers: {
    type: "string[]",
    default: [],
    description: "Hook points to analyse (e.g. [dense_1, output]); empty = all",
  },
  device: {
    type: "enum",
    choices: ["wasm", "webgpu"],
    default: "wasm",
    description: "Where the pairwise sums run: wasm (float64 on the CPU) or webgpu (our WGSL " +
      "kernel, float32 with compensated sums: bits agree to about 1e-7 relative; kde_webgpu.ts)",
  },
};

/** The `mi-kde` plugin. */
export const miKdePlugin: Plugin = {
  id: ID,
  description: "KDE upper and lower bounds of I(X;T) and I(T;Y) per layer (Kolchinsky & Tracey)",
  options: MI_KDE_OPTIONS,
  consumes: ["activations", "train_end", "run_end"],
  emits: [
    { name: "ixt_upper", unit: "bits", description: "KDE upper bound of I(X;T)" },
    { name: "ixt_lower", unit: "bits", description: "KDE lower bound of I(X;T)" },
    { name: "ity_upper", unit: "bits", description: "I(T;Y) from the upper entropy bounds" },
    { name: "ity_lower", unit: "bits", description: "I(T;Y) from the lower entropy bounds" },
  ],
  presentation: { tab: INFOPLANE_TAB },
  charts: [{
    id: "infoplane-kde",
    title: "Information plane (KDE upper bound)",
    type: "scatter",
    x: { metric: "ixt_upper", label: "I(X;T) upper (bits)" },
    y: { metrics: ["ity_upper"], label: "I(T;Y) upper (bits)" },
    groupBy: "layer",
    colorBy: "epoch",
  }],
  setup(ctx: PluginContext, raw: Record<string, unknown>) {
    const o = readOptions(raw, ID, MI_KDE_OPTIONS);
    const s2 = o.noise_variance as number;
    const block = o.block_size as number;
    const wanted = o.layers as string[];
    const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency || 1 : 1;
    const size = (o.workers as number) < 0 ? Math.max(1, cores - 1) : o.workers as number;
    const emit = (layer: string, epoch: number, seed: number, r: KdeMi) => {
      const rec = { layer, epoch, seed };
      ctx.emit([
        { ...rec, metric: "ixt_upper", value: r.ixtUpper },
        { ...rec, metric: "ixt_lower", value: r.ixtLower },
        { ...rec, metric: "ity_upper", value: r.ityUpper },
        { ...rec, metric: "ity_lower", value: r.ityLower },
      ]);
    };
    // workers: started at the first sampled epoch, ended at run_end, or when idle for
    // IDLE_MS (a run that fails or is stopped has no run_end)
    let pool: KdePool | undefined;
    let idle: ReturnType<typeof setTimeout> | undefined;
    let failure: Error | undefined;
    let owed = 0;
    const stop = () => {
      clearTimeout(idle);
      idle = undefined;
      pool?.terminate();
      pool = undefined;
    };
    const settle = async () => {
      await pool?.drain();
      if (failure) {
        const e = failure;
        failure = undefined;
        throw e;
      }
    };
    const onGpu = o.device === "webgpu";
    return {
      activations: (e: ActivationsEvent) => {
        const layers = selectLayers(e.cache, wanted, ID);
        for (const [layer, a] of layers) {
          const at = { plugin: ID, layer, epoch: e.epoch, seed: e.seed };
          assertLabels(a, e.labels, e.numClasses, at);
          assertFinite(a, at);
        }
        if (onGpu) {
          return (async () => {
            // loaded only when used: it brings the webgpu device code (and tfjs's backend module)
            const { kdeMiWebGpu } = await import("./kde_webgpu.ts");
            for (const [layer, a] of layers) {
              const r = await kdeMiWebGpu(a.data, a.rows, a.cols, e.labels, e.numClasses, s2);
              emit(layer, e.epoch, e.seed, r);
            }
          })();
        }
        if (size === 0) {
          for (const [layer, a] of layers) {
            emit(
              layer,
              e.epoch,
              e.seed,
              kdeMi(a.data, a.rows, a.cols, e.labels, e.numClasses, s2, block),
            );
          }
          return;
        }
        pool ??= createKdePool(size);
        clearTimeout(idle);
        for (const [layer, a] of layers) {
          owed++;
          pool.run({
            data: a.data.slice(),
            rows: a.rows,
            cols: a.cols,
            labels: e.labels.slice(),
            numClasses: e.numClasses,
            noiseVariance: s2,
            blockSize: block,
          }).then(
            (r) => emit(layer, e.epoch, e.seed, r),
            (err: Error) => failure ??= err,
          ).finally(() => {
            if (--owed === 0 && pool) {
              clearTimeout(idle);
              const t = setTimeout(stop, IDLE_MS);
              Deno.unrefTimer(t);
              idle = t;
            }
          });
        }
      },
      train_end: () => settle(),
      run_end: async () => {
        try {
          await settle();
        } finally {
          stop();
        }
      },
    };
  },
};

/** Workers idle this long (ms) are ended. */
const IDLE_MS = 10_000;
