/**
 * Conversions from loaded {@link NpyArray}s to what a {@link Dataset} holds:
 * float32 inputs and int32 class labels, with checks that name the array.
 *
 * @module
 */
import { LensError } from "../errors.ts";
import type { NpyArray } from "./npy.ts";

const INTEGER_DTYPES = new Set(["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "b1"]);

/**
 * The elements of `a` as float32 (row-major, shape dropped). Returns
 * `a.data` itself when it is already a `Float32Array`, a new array
 * otherwise (64-bit integers go through `Number`).
 *
 * @example
 * ```ts
 * toFloat32({ dtype: "u1", shape: [2], data: new Uint8Array([0, 255]) }); // [0, 255]
 * ```
 */
export function toFloat32(a: NpyArray): Float32Array {
  const d = a.data;
  if (d instanceof Float32Array) return d;
  const out = new Float32Array(d.length);
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
  } else {
    out.set(d);
  }
  return out;
}

/**
 * Class labels as int32 indices `0..C-1`.
 *
 * Accepts a vector `[N]` (or a column `[N, 1]`) of an integer dtype, or of
 * floats that hold whole numbers, all `>= 0` and below 2^31; or a one-hot
 * matrix `[N, C]` (`C > 1`, every row all 0 but a single 1), which becomes
 * the index of the 1. Anything else throws a {@link LensError} naming
 * `file`, the array `name`, and the first offending element.
 *
 * @example
 * ```ts
 * toInt32Labels({ dtype: "f4", shape: [2, 3], data: new Float32Array([0, 0, 1, 1, 0, 0]) },
 *   "d.npz", "y"); // Int32Array [2, 0]
 * ```
 */
export function toInt32Labels(a: NpyArray, file: string, name: string): Int32Array {
  const d = a.data;
  const err = (message: string, expected: string): never => {
    throw new LensError(message, { code: "data", file, field: name, expected });
  };
  const isOneHot = a.shape.length === 2 && a.shape[1] > 1;
  const isVector = a.shape.length === 1 || (a.shape.length === 2 && a.shape[1] === 1);
  if (!isOneHot && !isVector) {
    err(
      `labels have shape [${a.shape.join(", ")}]`,
      "a vector [N] of class indices or a one-hot matrix [N, C]",
    );
  }
  const isInteger = INTEGER_DTYPES.has(a.dtype);
  const value = (i: number): number => Number(d[i]);
  if (isVector) {
    const n = a.shape[0];
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = value(i);
      if (!isInteger && !Number.isInteger(v)) {
        err(`label ${i} is ${v}, not a whole number`, "integer class indices (0, 1, 2, ...)");
      }
      if (v < 0 || v > 2147483647) {
        err(`label ${i} is ${v}`, "class indices >= 0 and < 2^31");
      }
      out[i] = v;
    }
    return out;
  }
  const [n, c] = a.shape;
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let hot = -1;
    for (let j = 0; j < c; j++) {
      const v = value(i * c + j);
      if (v === 1 && hot < 0) hot = j;
      else if (v !== 0) {
        err(
          `row ${i} of the [${n}, ${c}] label matrix is not one-hot (element ${j} is ${v})`,
          "one-hot rows: all 0 but a single 1",
        );
      }
    }
    if (hot < 0) {
      err(
        `row ${i} of the [${n}, ${c}] label matrix has no 1`,
        "one-hot rows: all 0 but a single 1",
      );
    }
    out[i] = hot;
  }
  return out;
}

/**
 * Throws a {@link LensError} naming `file`, the array `name` and the first
 * index holding NaN or +-Infinity.
 *
 * @example
 * ```ts
 * checkFinite(x, "inputs.npy", "x"); // throws "inputs.npy: x: element 7 is NaN ..."
 * ```
 */
export function checkFinite(data: Float32Array, file: string, name: string): void {
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v - v !== 0) {
      throw new LensError(`element ${i} is ${v} (the first non-finite value)`, {
        code: "data",
        file,
        field: name,
        expected: "finite numbers only",
      });
    }
  }
}
