/**
 * The 12-bit task of Shwartz-Ziv & Tishby (2017): all 4096 patterns of 12
 * bits, with the authors' deterministic labels (2118 ones) from
 * `data/var_u_labels.hex` (see data/PROVENANCE.md).
 *
 * @module
 */
import { LensError } from "../errors.ts";
import { createRng, permutation } from "../rng.ts";
import type { Dataset, DataSpec } from "../types.ts";
import { TISHBY12_LABELS_HEX } from "./tishby12_labels.ts";

/** Number of inputs (2^12). */
export const TISHBY12_N = 4096;
/** Bits per input. */
export const TISHBY12_BITS = 12;

const PROVENANCE = "var_u.mat of ravidziv/IDNNs via data/var_u_labels.hex";

let cached: { x: Float32Array; y: Int32Array } | undefined;

function decodeLabels(): Int32Array {
  const file = "core/data/tishby12_labels.ts";
  const hex = TISHBY12_LABELS_HEX;
  if (hex.length !== TISHBY12_N / 4 || !/^[0-9a-fA-F]+$/.test(hex)) {
    throw new LensError(`holds ${hex.length} characters that are not all hex digits`, {
      code: "data",
      file,
      expected: "1024 hex digits (4096 label bits)",
    });
  }
  const y = new Int32Array(TISHBY12_N);
  for (let i = 0; i < TISHBY12_N; i++) {
    const byte = parseInt(hex.slice(2 * (i >> 3), 2 * (i >> 3) + 2), 16);
    y[i] = (byte >> (7 - (i & 7))) & 1;
  }
  return y;
}

/**
 * All 4096 inputs and their labels. `x` is 4096 x 12 row-major: row `i`
 * holds the 12 bits of `i`, most significant first, as 0/1. `y[i]` is the
 * authors' label of input `i`. Fresh copies on every call (the labels are
 * decoded once), so callers may modify them.
 *
 * @example
 * ```ts
 * const { x, y } = tishby12Arrays();
 * x.slice(5 * 12, 6 * 12); // [0,0,0,0,0,0,0,0,0,1,0,1]
 * ```
 */
export function tishby12Arrays(): { x: Float32Array; y: Int32Array } {
  if (!cached) {
    const x = new Float32Array(TISHBY12_N * TISHBY12_BITS);
    for (let i = 0; i < TISHBY12_N; i++) {
      for (let b = 0; b < TISHBY12_BITS; b++) {
        x[i * TISHBY12_BITS + b] = (i >> (TISHBY12_BITS - 1 - b)) & 1;
      }
    }
    cached = { x, y: decodeLabels() };
  }
  return { x: cached.x.slice(), y: cached.y.slice() };
}

/**
 * The 12-bit data set with a train / test split; the probe set is always
 * all 4096 inputs in binary order.
 *
 * - `split: "reference"`: train = the first `round(trainFraction * 4096)`
 *   rows in binary order, test = the rest (0.8 gives 3277 / 819, as in the
 *   authors' code). The seed does not matter. Note: the PyTorch peer script
 *   (bench/peer_torch_12bit.py) uses `int(0.8 * 4096)` = 3276.
 * - `split: "random"`: rows permuted by `permutation(createRng(seed,
 *   "split"), 4096)`; train = the first `nTrain` of the permutation (in
 *   permutation order), test = the rest.
 *
 * @example
 * ```ts
 * const ds = loadTishby12({ name: "tishby12", split: "reference", trainFraction: 0.8 }, 0);
 * ds.nTrain; // 3277
 * ```
 */
export function loadTishby12(spec: Extract<DataSpec, { name: "tishby12" }>, seed: number): Dataset {
  const f = spec.trainFraction;
  const nTrain = Math.round(f * TISHBY12_N);
  if (!(f > 0 && f <= 1) || nTrain < 1) {
    throw new LensError(`trainFraction ${f} leaves no training rows`, {
      code: "config",
      field: "data.trainFraction",
      expected: "a number in (0, 1] keeping at least one of 4096 rows",
    });
  }
  if (spec.split !== "reference" && spec.split !== "random") {
    throw new LensError(`unknown split ${JSON.stringify(spec.split)}`, {
      code: "config",
      field: "data.split",
      expected: '"reference" or "random"',
    });
  }
  const { x, y } = tishby12Arrays();
  const d = TISHBY12_BITS;
  const nTest = TISHBY12_N - nTrain;
  let xTrain: Float32Array, yTrain: Int32Array, xTest: Float32Array, yTest: Int32Array;
  if (spec.split === "reference") {
    xTrain = x.slice(0, nTrain * d);
    yTrain = y.slice(0, nTrain);
    xTest = x.slice(nTrain * d);
    yTest = y.slice(nTrain);
  } else {
    const perm = permutation(createRng(seed, "split"), TISHBY12_N);
    const take = (rows: Int32Array) => {
      const xs = new Float32Array(rows.length * d);
      const ys = new Int32Array(rows.length);
      rows.forEach((r, k) => {
        xs.set(x.subarray(r * d, r * d + d), k * d);
        ys[k] = y[r];
      });
      return [xs, ys] as const;
    };
    [xTrain, yTrain] = take(perm.subarray(0, nTrain));
    [xTest, yTest] = take(perm.subarray(nTrain));
  }
  return {
    name: "tishby12",
    inputShape: [d],
    numClasses: 2,
    xTrain,
    yTrain,
    nTrain,
    xTest,
    yTest,
    nTest,
    probe: { x, y, n: TISHBY12_N },
    info: {
      provenance: PROVENANCE,
      split: spec.split,
      trainFraction: f,
      nTrain,
      ...(spec.split === "random" ? { splitSeed: seed } : {}),
    },
  };
}
