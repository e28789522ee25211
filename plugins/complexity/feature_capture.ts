/**
 * Getting a hook point's feature out of a trained network for the
 * complexity plugins: which hook point by default, which training rows,
 * and the activations on them, captured in chunks to bound memory.
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import { createRng, permutation } from "../../core/rng.ts";
import type { Activation, LayerInfo, ModelHandle } from "../../core/types.ts";

/**
 * The hook point analysed when none is named: the last hidden layer (the
 * last hook point below the output).
 *
 * @example
 * ```ts
 * defaultLayer([{ name: "dense_1", kind: "dense", ... }, { name: "output", kind: "output", ... }]); // "dense_1"
 * ```
 */
export function defaultLayer(layers: LayerInfo[]): string {
  const hidden = layers.filter((l) => l.kind !== "output");
  if (!hidden.length) {
    throw new LensError("the model has no hidden hook point to analyse", {
      code: "plugin",
      field: "layer",
      expected: "a model with at least one hidden layer",
    });
  }
  return hidden[hidden.length - 1].name;
}

/** `layer` if it names a hidden hook point of `layers` ("" = the default); throws otherwise. */
export function resolveLayer(layers: LayerInfo[], layer: string, plugin: string): LayerInfo {
  const name = layer || defaultLayer(layers);
  const info = layers.find((l) => l.name === name);
  if (!info || info.kind === "output") {
    throw new LensError(`unknown hidden hook point "${name}"`, {
      code: "plugin",
      field: `${plugin}.layer`,
      expected: `one of ${layers.filter((l) => l.kind !== "output").map((l) => l.name).join(", ")}`,
    });
  }
  return info;
}

/**
 * Rows to use out of `n`: all of them in order when `samples` is 0 or at
 * least `n`, otherwise a seeded random subset of `samples` rows, ascending.
 */
export function chooseRows(n: number, samples: number, seed: number, stream: string): Int32Array {
  if (samples <= 0 || samples >= n) return Int32Array.from({ length: n }, (_, i) => i);
  return permutation(createRng(seed, stream), n).slice(0, samples).sort();
}

/** Rows `rows` of a row-major matrix with `cols` columns. */
export function gatherRows(x: Float32Array, cols: number, rows: Int32Array): Float32Array {
  const out = new Float32Array(rows.length * cols);
  for (let i = 0; i < rows.length; i++) {
    out.set(x.subarray(rows[i] * cols, (rows[i] + 1) * cols), i * cols);
  }
  return out;
}

/** Labels of `rows`. */
export function gatherLabels(y: Int32Array, rows: Int32Array): Int32Array {
  return Int32Array.from(rows, (r) => y[r]);
}

/**
 * Activations of hook point `layer` on `n` inputs of `inDim` values each,
 * captured `chunk` rows at a time.
 */
export async function captureLayer(
  model: ModelHandle,
  layer: string,
  x: Float32Array,
  n: number,
  inDim: number,
  chunk = 4096,
): Promise<Activation> {
  let out: Float32Array | undefined;
  let cols = 0;
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    const cache = await model.capture(x.subarray(s * inDim, e * inDim), e - s);
    const a = cache.get(layer);
    if (!a) {
      throw new LensError(`the model captured no hook point "${layer}"`, {
        code: "plugin",
        field: "layer",
        expected: `one of ${[...cache.keys()].join(", ")}`,
      });
    }
    if (!out) {
      cols = a.cols;
      out = new Float32Array(n * cols);
    }
    out.set(a.data.subarray(0, (e - s) * cols), s * cols);
  }
  return { data: out ?? new Float32Array(0), rows: n, cols };
}
