/**
 * Checks the plugins run on activations before estimating anything, so a
 * bad value is reported where it is (layer, epoch, seed, index) instead of
 * turning into a wrong number.
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import type { Activation, ActivationCache } from "../../core/types.ts";

/** Where a layer's activations come from, for error messages. */
export interface LayerAt {
  plugin: string;
  layer: string;
  epoch: number;
  seed: number;
}

function where(at: LayerAt): string {
  return `layer ${at.layer} at epoch ${at.epoch} of seed ${at.seed}`;
}

/**
 * Throws a {@link LensError} (code `data`) at the first NaN or infinite
 * value of `a`, naming the layer, epoch, seed, flat index, row and unit.
 *
 * @example
 * ```ts
 * assertFinite({ data: new Float32Array([0, NaN]), rows: 1, cols: 2 },
 *   { plugin: "mi-binned", layer: "dense_1", epoch: 3, seed: 0 }); // throws: index 1 (row 0, unit 1)
 * ```
 */
export function assertFinite(a: Activation, at: LayerAt): void {
  const d = a.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i];
    if (v - v !== 0) {
      const row = Math.floor(i / a.cols);
      throw new LensError(
        `${at.plugin}: ${where(at)} holds ${v} at index ${i} (row ${row}, unit ${
          i - row * a.cols
        }); the estimate needs finite activations`,
        { code: "data", field: at.layer, expected: "finite activations (no NaN or Infinity)" },
      );
    }
  }
}

/**
 * Throws a {@link LensError} (code `data`) when the labels do not match the
 * layer's rows or fall outside `[0, numClasses)`, or the matrix shape is
 * inconsistent.
 *
 * @example
 * ```ts
 * assertLabels({ data: new Float32Array(4), rows: 2, cols: 2 }, new Int32Array([0]), 2,
 *   { plugin: "mi-binned", layer: "dense_1", epoch: 0, seed: 0 }); // throws: 2 rows, 1 label
 * ```
 */
export function assertLabels(
  a: Activation,
  labels: Int32Array,
  numClasses: number,
  at: LayerAt,
): void {
  if (a.data.length !== a.rows * a.cols || a.rows < 1 || a.cols < 1) {
    throw new LensError(
      `${at.plugin}: ${where(at)} has ${a.data.length} values for ${a.rows} rows x ${a.cols} units`,
      { code: "data", field: at.layer, expected: "rows * cols values, at least one row and unit" },
    );
  }
  if (labels.length !== a.rows) {
    throw new LensError(
      `${at.plugin}: ${where(at)} has ${a.rows} rows but there are ${labels.length} labels`,
      { code: "data", field: at.layer, expected: "one label per activation row" },
    );
  }
  if (!(Number.isInteger(numClasses) && numClasses >= 1)) {
    throw new LensError(`${at.plugin}: numClasses is ${numClasses}`, {
      code: "data",
      field: "numClasses",
      expected: "an integer >= 1",
    });
  }
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y < 0 || y >= numClasses) {
      throw new LensError(
        `${at.plugin}: label ${y} at index ${i} (with ${where(at)}) is outside [0, ${numClasses})`,
        { code: "data", field: "labels", expected: `class indices 0..${numClasses - 1}` },
      );
    }
  }
}

/**
 * The hook points to analyse: all of `cache` (in its order) when `wanted`
 * is empty, else the named ones (in `wanted`'s order). An unknown name is a
 * {@link LensError} (code `config`) listing the hook points there are.
 *
 * @example
 * ```ts
 * selectLayers(cache, ["dense_2"], "mi-binned"); // [["dense_2", activation]]
 * ```
 */
export function selectLayers(
  cache: ActivationCache,
  wanted: readonly string[],
  plugin: string,
): [string, Activation][] {
  if (wanted.length === 0) return [...cache];
  return wanted.map((name) => {
    const a = cache.get(name);
    if (!a) {
      throw new LensError(`${plugin}: no hook point named ${JSON.stringify(name)}`, {
        code: "config",
        field: `plugins.${plugin}.layers`,
        expected: `names among ${[...cache.keys()].join(", ")}`,
      });
    }
    return [name, a];
  });
}

/**
 * The hook points to analyse ({@link selectLayers}), each checked with
 * {@link assertLabels} and {@link assertFinite} before any is estimated.
 *
 * @example
 * ```ts
 * for (const [layer, a] of checkedLayers(e, [], "mi-noisy")) estimate(layer, a);
 * ```
 */
export function checkedLayers(
  e: {
    cache: ActivationCache;
    labels: Int32Array;
    numClasses: number;
    epoch: number;
    seed: number;
  },
  wanted: readonly string[],
  plugin: string,
): [string, Activation][] {
  const layers = selectLayers(e.cache, wanted, plugin);
  for (const [layer, a] of layers) {
    const at = { plugin, layer, epoch: e.epoch, seed: e.seed };
    assertLabels(a, e.labels, e.numClasses, at);
    assertFinite(a, at);
  }
  return layers;
}
