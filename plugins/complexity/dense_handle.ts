/**
 * A {@link ModelHandle} over a plain stack of dense layers held as typed
 * arrays: hidden layers `dense_1 .. dense_k` with one activation, then a
 * softmax `output`. The networks this family builds itself (distilled
 * and compressed students, an upper network a user brings as .npz, tiny
 * targets in tests) are analysed through it exactly like a trainer's
 * network.
 *
 * @module
 */
import { hookName, OUTPUT_HOOK } from "../../core/model/hook_names.ts";
import { LensError } from "../../core/errors.ts";
import { applyPlainActivation, checkActivation } from "../../core/model/activations.ts";
import type { DenseParams } from "../../core/model/init.ts";
import type {
  Activation,
  ActivationCache,
  LayerInfo,
  LayerParams,
  ModelHandle,
} from "../../core/types.ts";

/** Row-wise softmax in place (numerically stable). */
export function softmaxRows(a: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = -Infinity;
    for (let j = 0; j < cols; j++) m = Math.max(m, a[o + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const e = Math.exp(a[o + j] - m);
      a[o + j] = e;
      s += e;
    }
    for (let j = 0; j < cols; j++) a[o + j] /= s;
  }
}

/** `x W + b` for `rows` rows; `w` is `[inDim, outDim]` row-major. */
export function affine(
  x: Float32Array,
  rows: number,
  w: Float32Array,
  b: Float32Array,
  inDim: number,
  outDim: number,
): Float32Array {
  const out = new Float32Array(rows * outDim);
  for (let r = 0; r < rows; r++) {
    const o = r * outDim;
    out.set(b, o);
    const xo = r * inDim;
    for (let k = 0; k < inDim; k++) {
      const v = x[xo + k];
      if (v === 0) continue;
      const wo = k * outDim;
      for (let j = 0; j < outDim; j++) out[o + j] += v * w[wo + j];
    }
  }
  return out;
}

/**
 * Runs layers `from..` of the network on `h` (the output of layer
 * `from - 1`, or the input when `from` is 0); returns every layer's
 * output from `from` on, the last being the softmax probabilities.
 */
export function denseForward(
  p: DenseParams,
  activation: string,
  h: Float32Array,
  rows: number,
  from = 0,
): Float32Array[] {
  const outs: Float32Array[] = [];
  const last = p.w.length - 1;
  for (let k = from; k <= last; k++) {
    h = affine(h, rows, p.w[k], p.b[k], p.sizes[k], p.sizes[k + 1]);
    if (k < last) applyPlainActivation(h, activation);
    else softmaxRows(h, rows, p.sizes[k + 1]);
    outs.push(h);
  }
  return outs;
}

/** Hook points of a dense network: `dense_1 .. dense_k`, `output`. */
export function denseLayers(p: DenseParams, activation: string): LayerInfo[] {
  return p.w.map((_, k): LayerInfo =>
    k < p.w.length - 1
      ? {
        name: hookName("dense", k + 1),
        kind: "dense",
        units: p.sizes[k + 1],
        activation,
        hasWeights: true,
      }
      : {
        name: OUTPUT_HOOK,
        kind: "output",
        units: p.sizes[k + 1],
        activation: "softmax",
        hasWeights: true,
      }
  );
}

/**
 * A ModelHandle over dense parameters.
 *
 * @example
 * ```ts
 * const h = createDenseHandle(initDense(0, [12, 8, 4, 2], "reference"), "tanh", 0);
 * const probs = await h.forwardFrom("dense_2", { data: f, rows: n, cols: 4 });
 * ```
 */
export function createDenseHandle(p: DenseParams, activation: string, seed = 0): ModelHandle {
  checkActivation(activation, "activation");
  const layers = denseLayers(p, activation);
  return {
    seed,
    layers,
    params(): Promise<LayerParams[]> {
      return Promise.resolve(layers.map((l, k) => ({
        name: l.name,
        kernelShape: [p.sizes[k], p.sizes[k + 1]],
        kernel: p.w[k].slice(),
        bias: p.b[k].slice(),
      })));
    },
    capture(x: Float32Array, n: number): Promise<ActivationCache> {
      const outs = denseForward(p, activation, x, n);
      const cache: ActivationCache = new Map();
      outs.forEach((o, k) => cache.set(layers[k].name, { data: o, rows: n, cols: p.sizes[k + 1] }));
      return Promise.resolve(cache);
    },
    forwardFrom(layer: string, features: Activation): Promise<Activation> {
      const k = layers.findIndex((l) => l.name === layer);
      if (k < 0 || k === layers.length - 1) {
        throw new LensError(`no hidden hook point "${layer}"`, {
          code: "plugin",
          field: "layer",
          expected: layers.slice(0, -1).map((l) => l.name).join(", "),
        });
      }
      if (features.cols !== p.sizes[k + 1]) {
        throw new LensError(
          `features have ${features.cols} columns, ${layer} has ${p.sizes[k + 1]}`,
          {
            code: "plugin",
            field: "features",
            expected: `${p.sizes[k + 1]} columns`,
          },
        );
      }
      const outs = denseForward(p, activation, features.data, features.rows, k + 1);
      const probs = outs[outs.length - 1];
      return Promise.resolve({
        data: probs,
        rows: features.rows,
        cols: p.sizes[p.sizes.length - 1],
      });
    },
  };
}

/**
 * A ModelHandle for an upper network g alone: its one hidden hook point,
 * `layer`, is g's input (the feature), and `forwardFrom(layer, f)` runs all
 * of `p` on f and returns the softmax of the last layer. `capture` is not
 * available (there is no lower network).
 */
export function createUpperHandle(
  p: DenseParams,
  activation: string,
  layer = "feature",
  seed = 0,
): ModelHandle {
  checkActivation(activation, "activation");
  const classes = p.sizes[p.sizes.length - 1];
  return {
    seed,
    layers: [
      { name: layer, kind: "dense", units: p.sizes[0], activation: "linear", hasWeights: false },
      {
        name: OUTPUT_HOOK,
        kind: "output",
        units: classes,
        activation: "softmax",
        hasWeights: true,
      },
    ],
    capture(): Promise<ActivationCache> {
      throw new LensError("an upper network alone cannot capture activations from inputs", {
        code: "plugin",
        field: "capture",
        expected: "features supplied with the inputs",
      });
    },
    forwardFrom(name: string, features: Activation): Promise<Activation> {
      if (name !== layer || features.cols !== p.sizes[0]) {
        throw new LensError(`expected features of "${layer}" with ${p.sizes[0]} columns`, {
          code: "plugin",
          field: "features",
          expected: `"${layer}", ${p.sizes[0]} columns (got "${name}", ${features.cols})`,
        });
      }
      const outs = denseForward(p, activation, features.data, features.rows, 0);
      return Promise.resolve({ data: outs[outs.length - 1], rows: features.rows, cols: classes });
    },
  };
}
