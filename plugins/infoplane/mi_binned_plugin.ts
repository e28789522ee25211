/**
 * `mi-binned`: the binned information plane of [SZT] (docs/methods.md section 2).
 * For every hook point (or the `layers` chosen) at every sampled epoch it
 * emits `ixt` = I(X;T) and `ity` = I(T;Y) in bits (binned_mi.ts).
 *
 * Binning (`range`, `bins`, `bin_size`, `lo`, `hi`):
 * - `fixed` (default): one grid for every layer, float32
 *   `linspace(lo, hi, bins)` with numpy digitize semantics (the reference:
 *   -1, 1, 30 edges); with `bin_size` > 0 instead `floor(a / bin_size)`
 *   ([Saxe]: 0.07 for tanh), lo / hi unused.
 * - `layer`: the grid spans the layer's own [min, max] over all sampled
 *   epochs of that seed (for unbounded activations such as ReLU; [Saxe]
 *   use 100 bins): `linspace(min, max, bins)`, or with `bin_size` > 0
 *   `floor((a - min) / bin_size)`. The range is known only when the seed
 *   has finished, so the plugin keeps a float32 copy of every selected
 *   layer at every sampled epoch until that seed's `train_end` (then frees
 *   it; in an analysis of stored activations, which has no `train_end`,
 *   at `run_end`). For the 12-bit net (6 layers, 31 units, 4096 probe rows)
 *   that is 31 x 4096 x 4 B = 508 KB per sampled epoch, 139 MB per seed
 *   for the 274 epochs of the reference schedule (measured: 139.0 MB of
 *   ArrayBuffer memory per seed, all released after train_end; binning
 *   them then takes about 0.5 s). Seeds trained together (the fused
 *   trainer) are buffered together. A run interrupted before a seed's
 *   train_end (and run_end) emits nothing for that seed.
 * - `adaptive`: `bins` equal-mass bins per layer and epoch at the
 *   quantiles of that layer's values (Chelombiev et al. 2019).
 *
 * Activations must be finite and match the labels; otherwise a LensError
 * names the layer, epoch, seed and first bad index.
 *
 * @module
 */
import { estimatorPresentation } from "./presentation.ts";
import { LensError } from "../../core/errors.ts";
import type {
  Activation,
  ActivationsEvent,
  OptionSpec,
  Plugin,
  PluginContext,
} from "../../core/types.ts";
import { binCodes, type Binning } from "./bin_codes.ts";
import { binnedMi } from "./binned_mi.ts";
import { assertFinite, assertLabels, type LayerAt, selectLayers } from "./check_inputs.ts";
import { linspaceF32 } from "./grid_edges.ts";
import { readOptions } from "./read_options.ts";

const ID = "mi-binned";

/** Declared options of `mi-binned`. */
export const MI_BINNED_OPTIONS: Record<string, OptionSpec> = {
  bins: {
    type: "integer",
    default: 30,
    min: 2,
    description:
      "Grid edges (fixed / layer range: float32 linspace(lo, hi, bins), numpy digitize " +
      "semantics, values at or beyond the top edge or below the first share the top code: 30 = the " +
      "reference grid) or number of equal-mass bins (adaptive)",
  },
  bin_size: {
    type: "number",
    default: 0,
    min: 0,
    description:
      "Bin width; > 0 replaces the grid by floor(a / bin_size) ([Saxe]: 0.07 for tanh), " +
      "measured from the layer's minimum with range 'layer'; 0 = use bins",
  },
  range: {
    type: "enum",
    default: "fixed",
    choices: ["fixed", "layer", "adaptive"],
    description:
      "fixed: [lo, hi] for every layer; layer: each layer's own min/max over all sampled " +
      "epochs of the seed (ReLU); adaptive: equal-mass bins per layer and epoch (Chelombiev et al.)",
  },
  lo: { type: "number", default: -1, description: "Lowest grid edge for range 'fixed'" },
  hi: { type: "number", default: 1, description: "Highest grid edge for range 'fixed'" },
  layers: {
    type: "string[]",
    default: [],
    description: "Hook points to analyse (e.g. [dense_1, output]); empty = all",
  },
};

interface Options {
  bins: number;
  binSize: number;
  range: "fixed" | "layer" | "adaptive";
  lo: number;
  hi: number;
  layers: string[];
}

function parse(raw: Record<string, unknown>): Options {
  const o = readOptions(raw, ID, MI_BINNED_OPTIONS);
  const opts: Options = {
    bins: o.bins as number,
    binSize: o.bin_size as number,
    range: o.range as Options["range"],
    lo: o.lo as number,
    hi: o.hi as number,
    layers: o.layers as string[],
  };
  if (opts.range === "adaptive" && opts.binSize > 0) {
    throw new LensError(`${ID}: bin_size ${opts.binSize} does not apply to adaptive bins`, {
      code: "config",
      field: `plugins.${ID}.bin_size`,
      expected: "0 with range 'adaptive' (equal-mass bins are set by bins)",
    });
  }
  if (opts.range === "fixed" && opts.binSize === 0 && !(opts.lo < opts.hi)) {
    throw new LensError(`${ID}: lo ${opts.lo} is not below hi ${opts.hi}`, {
      code: "config",
      field: `plugins.${ID}.lo`,
      expected: "lo < hi",
    });
  }
  return opts;
}

/** One seed's buffered activations for range `layer`. */
interface SeedBuffer {
  labels: Int32Array;
  numClasses: number;
  snapshots: { epoch: number; layers: [string, Activation][] }[];
  min: Map<string, number>;
  max: Map<string, number>;
}

/** The `mi-binned` plugin. */
export const miBinnedPlugin: Plugin = {
  id: ID,
  description: "Binned I(X;T) and I(T;Y) per layer at sampled epochs (Shwartz-Ziv & Tishby)",
  options: MI_BINNED_OPTIONS,
  consumes: ["activations", "train_end", "run_end"],
  emits: [
    { name: "ixt", unit: "bits", description: "I(X;T) = H(T) of the binned layer" },
    { name: "ity", unit: "bits", description: "I(T;Y) = H(T) - H(T|Y) of the binned layer" },
  ],
  presentation: estimatorPresentation(ID),
  charts: [{
    id: "infoplane",
    title: "Information plane (binned)",
    type: "scatter",
    x: { metric: "ixt", label: "I(X;T) (bits)" },
    y: { metrics: ["ity"], label: "I(T;Y) (bits)" },
    groupBy: "layer",
    colorBy: "epoch",
  }],
  setup(ctx: PluginContext, raw: Record<string, unknown>) {
    const o = parse(raw);
    const fixedEdges = o.range === "fixed" && o.binSize === 0
      ? linspaceF32(o.lo, o.hi, o.bins)
      : undefined;
    const buffers = new Map<number, SeedBuffer>();
    let scratch = new Int32Array(0); // bin codes, grown to the largest layer seen

    const estimate = (
      a: Activation,
      binning: Binning,
      labels: Int32Array,
      numClasses: number,
      at: LayerAt,
    ) => {
      if (scratch.length < a.data.length) scratch = new Int32Array(a.data.length);
      const codes = scratch.subarray(0, a.data.length);
      const bad = binCodes(a.data, binning, codes);
      if (bad >= 0) {
        throw new LensError(
          `${ID}: layer ${at.layer} at epoch ${at.epoch} of seed ${at.seed}: value ${
            a.data[bad]
          } at index ${bad} gives a bin code beyond the int32 range`,
          { code: "config", field: `plugins.${ID}.bin_size`, expected: "a larger bin_size" },
        );
      }
      const r = binnedMi(codes, a.rows, a.cols, labels, numClasses);
      ctx.emit([
        { layer: at.layer, epoch: at.epoch, seed: at.seed, metric: "ixt", value: r.ixt },
        { layer: at.layer, epoch: at.epoch, seed: at.seed, metric: "ity", value: r.ity },
      ]);
    };

    const binningNow = (): Binning =>
      o.range === "adaptive"
        ? { kind: "adaptive", bins: o.bins }
        : fixedEdges
        ? { kind: "edges", edges: fixedEdges }
        : { kind: "size", size: o.binSize, origin: 0 };

    const flushSeed = (seed: number) => {
      const buf = buffers.get(seed);
      if (!buf) return;
      buffers.delete(seed);
      const binnings = new Map<string, Binning>();
      for (const [name, lo] of buf.min) {
        const hi = buf.max.get(name)!;
        binnings.set(
          name,
          o.binSize > 0
            ? { kind: "size", size: o.binSize, origin: lo }
            : { kind: "edges", edges: linspaceF32(lo, hi, o.bins) },
        );
      }
      for (const { epoch, layers } of buf.snapshots) {
        for (const [layer, a] of layers) {
          estimate(a, binnings.get(layer)!, buf.labels, buf.numClasses, {
            plugin: ID,
            layer,
            epoch,
            seed,
          });
        }
      }
    };

    const onActivations = (e: ActivationsEvent) => {
      const layers = selectLayers(e.cache, o.layers, ID);
      for (const [layer, a] of layers) {
        const at = { plugin: ID, layer, epoch: e.epoch, seed: e.seed };
        assertLabels(a, e.labels, e.numClasses, at);
        assertFinite(a, at);
      }
      if (o.range !== "layer") {
        for (const [layer, a] of layers) {
          estimate(a, binningNow(), e.labels, e.numClasses, {
            plugin: ID,
            layer,
            epoch: e.epoch,
            seed: e.seed,
          });
        }
        return;
      }
      let buf = buffers.get(e.seed);
      if (!buf) {
        buf = {
          labels: e.labels.slice(),
          numClasses: e.numClasses,
          snapshots: [],
          min: new Map(),
          max: new Map(),
        };
        buffers.set(e.seed, buf);
      } else if (buf.labels.length !== e.labels.length) {
        throw new LensError(
          `${ID}: seed ${e.seed} had ${buf.labels.length} probe rows and has ${e.labels.length} at epoch ${e.epoch}`,
          { code: "data", field: "labels", expected: "the same probe set at every epoch" },
        );
      }
      const kept: [string, Activation][] = [];
      for (const [layer, a] of layers) {
        const data = a.data.slice();
        let lo = buf.min.get(layer) ?? Infinity, hi = buf.max.get(layer) ?? -Infinity;
        for (let i = 0; i < data.length; i++) {
          const v = data[i];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        buf.min.set(layer, lo);
        buf.max.set(layer, hi);
        kept.push([layer, { data, rows: a.rows, cols: a.cols }]);
      }
      buf.snapshots.push({ epoch: e.epoch, layers: kept });
    };

    return {
      activations: onActivations,
      train_end: (e) => flushSeed(e.seed),
      run_end: () => {
        for (const seed of [...buffers.keys()]) flushSeed(seed);
      },
    };
  },
};
