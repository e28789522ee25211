/**
 * The upper part g of a network, brought by a user as an `.npz` of dense
 * layers: `W1, b1, W2, b2, ...` applied as `h <- act(h W_k + b_k)` with a
 * softmax after the last layer (its output is the class logits). `W_k` is
 * `[in, out]` (numpy / Keras `x @ W`) or, with `layout: "out_in"`,
 * `[out, in]` as in a PyTorch `state_dict`.
 *
 * @module
 */
import type { NpyArray } from "../../core/data/npy.ts";
import { readNpz } from "../../core/data/npz.ts";
import { toFloat32 } from "../../core/data/ndarray.ts";
import { LensError } from "../../core/errors.ts";
import type { DenseParams } from "../../core/model/init.ts";

/** How the weight matrices are stored. */
export type WeightLayout = "in_out" | "out_in";

/**
 * Dense parameters from arrays named `W1, b1, W2, b2, ...` (also `w1`);
 * `inDim` is the feature's dimension, checked against `W1`. `file` names
 * the source in errors.
 *
 * @example
 * ```ts
 * const p = denseFromArrays(readNpz("upper.npz"), 64, "in_out", "upper.npz");
 * p.sizes; // e.g. [64, 10]
 * ```
 */
export function denseFromArrays(
  arrays: Map<string, NpyArray>,
  inDim: number,
  layout: WeightLayout,
  file: string,
): DenseParams {
  const get = (name: string) => arrays.get(name) ?? arrays.get(name.toLowerCase());
  const sizes = [inDim];
  const w: Float32Array[] = [];
  const b: Float32Array[] = [];
  for (let k = 1; get(`W${k}`); k++) {
    const wk = get(`W${k}`)!;
    const bk = get(`b${k}`);
    if (wk.shape.length !== 2) {
      throw new LensError(`W${k} has shape [${wk.shape.join(", ")}]`, {
        code: "data",
        file,
        field: `W${k}`,
        expected: "a matrix",
      });
    }
    const [rows, cols] = wk.shape;
    const [fanIn, fanOut] = layout === "in_out" ? [rows, cols] : [cols, rows];
    const prev = sizes[sizes.length - 1];
    if (fanIn !== prev) {
      throw new LensError(`W${k} takes ${fanIn} inputs but the layer below has ${prev}`, {
        code: "data",
        file,
        field: `W${k}`,
        expected: layout === "in_out"
          ? `shape [${prev}, out] (or layout "out_in" for [out, in])`
          : `shape [out, ${prev}]`,
      });
    }
    const data = toFloat32(wk);
    if (layout === "in_out") {
      w.push(Float32Array.from(data));
    } else {
      const t = new Float32Array(fanIn * fanOut);
      for (let o = 0; o < fanOut; o++) {
        for (let i = 0; i < fanIn; i++) t[i * fanOut + o] = data[o * fanIn + i];
      }
      w.push(t);
    }
    if (bk && bk.data.length !== fanOut) {
      throw new LensError(`b${k} has ${bk.data.length} values`, {
        code: "data",
        file,
        field: `b${k}`,
        expected: `${fanOut} values`,
      });
    }
    b.push(bk ? Float32Array.from(toFloat32(bk)) : new Float32Array(fanOut));
    sizes.push(fanOut);
  }
  if (!w.length) {
    throw new LensError("no dense layers found", {
      code: "data",
      file,
      field: "W1",
      expected: `arrays W1, b1, W2, b2, ... (found ${[...arrays.keys()].join(", ") || "none"})`,
    });
  }
  return { sizes, w, b };
}

/** {@link denseFromArrays} of an `.npz` file. */
export function readUpperNpz(
  path: string,
  inDim: number,
  layout: WeightLayout = "in_out",
): DenseParams {
  return denseFromArrays(readNpz(path), inDim, layout, path);
}
