/**
 * Mutual information between two sets of rows by any of the estimators
 * layerlens ships, the computation behind `lens mi` (which only reads the
 * files and prints). Pure: typed arrays in, numbers out.
 *
 * - `ksg`: KSG estimator 1 (ksg_mi.ts) for two continuous tables; Ross's
 *   mixed estimator (ross_mi.ts) when Y is discrete. With `ranks`, every
 *   continuous column is replaced by its ranks first (rank_transform.ts).
 * - `binned`: each table binned on `bins` equal edges over its own
 *   [min, max] (numpy digitize semantics, as mi-binned's `range: layer`),
 *   each row of codes one symbol; I = H(X) + H(Y) - H(X, Y). A discrete Y
 *   is its labels.
 * - `kde`: the Kolchinsky-Tracey bounds (kde_mi.ts) with Gaussian noise of
 *   variance `noiseVariance` on X; Y must be discrete.
 * - `noisy`: I(Y; X + Z) by Monte Carlo (noisy_mi.ts); Y must be discrete.
 *
 * For `kde` and `noisy` a discrete Y is its labels, or, for a table, each
 * distinct row is one atom (e.g. the inputs of the network whose layer is
 * X).
 *
 * - `renyi`: the matrix-based Rényi alpha-order quantity of Sanchez Giraldo
 *   et al. (renyi_mi.ts) on a seeded subsample; not Shannon information.
 *
 * @module
 */
import { createRng, permutation } from "../../core/rng.ts";
import { binCodes } from "./bin_codes.ts";
import { entropyBits } from "./entropy.ts";
import { linspaceF32 } from "./grid_edges.ts";
import { kdeMi } from "./kde_mi.ts";
import { ksgMi, type NeighbourMi } from "./ksg_mi.ts";
import { ksgMiParallel } from "./ksg_parallel.ts";
import { noisyMi } from "./noisy_mi.ts";
import { rankColumns } from "./rank_transform.ts";
import { gaussianGram, labelGram, renyiMi } from "./renyi_mi.ts";
import { rossMi } from "./ross_mi.ts";
import { rowSymbols } from "./row_symbols.ts";

/** Rows of a continuous variable: `rows x cols`, row-major. */
export interface MiTable {
  /** The values, row-major. */
  data: Float32Array | Float64Array;
  /** Number of rows (samples). */
  rows: number;
  /** Number of columns (dimensions). */
  cols: number;
}

/** A discrete variable: one integer label per row. */
export interface MiLabels {
  /** One label per row (any integers). */
  labels: Int32Array;
}

/** The estimators of {@link mutualInformation}. */
export const MI_ESTIMATORS = ["ksg", "binned", "kde", "noisy", "renyi"] as const;

/** One of {@link MI_ESTIMATORS}. */
export type MiEstimator = typeof MI_ESTIMATORS[number];

/** Options of {@link mutualInformation}; each estimator reads its own. */
export interface MiOptions {
  /** Which estimator. */
  estimator: MiEstimator;
  /** Neighbours for `ksg` (default 3). */
  k?: number;
  /** `ksg`: replace each continuous column by its ranks first (exactly invariant to monotone maps). */
  ranks?: boolean;
  /** Bin edges per table for `binned` (default 30). */
  bins?: number;
  /** Noise variance s2 for `kde` and `noisy` (default 0.1). */
  noiseVariance?: number;
  /** Monte Carlo draws for `noisy` (default: the number of rows). */
  samples?: number;
  /** Seed of the Monte Carlo draws for `noisy` and of the subsample for `renyi` (default 0). */
  seed?: number;
  /** Order alpha for `renyi` (default 1.01). */
  alpha?: number;
  /** Kernel width for `renyi` (default: Silverman's rule on the subsample). */
  sigma?: number;
  /** Rows for `renyi`, a seeded subsample (default 256; its cost grows as rows^3). */
  maxRows?: number;
  /**
   * {@link mutualInformationAsync} only: threads for `ksg` with a continuous
   * Y (Web Workers; the same estimate for any number). Default 1.
   */
  workers?: number;
}

/** An estimate: the estimator, the value in bits, the rows used, and the estimator's own fields. */
export interface MiResult {
  /** The estimator that ran. */
  estimator: MiEstimator;
  /** The estimate in bits (for `kde`, the upper bound). */
  bits: number;
  /** Rows used. */
  n: number;
  /** The estimator's own fields (`nats`, `k`, `ties`; `upper`, `lower`; `se`, ...). */
  [field: string]: number | string | boolean;
}

/** Whether Y is a discrete variable given by labels. */
export function isLabels(y: MiTable | MiLabels): y is MiLabels {
  return (y as MiLabels).labels !== undefined;
}

/** Each distinct row of `t` one atom: dense ids in order of first appearance, and their count. */
export function rowAtoms(t: MiTable): { ids: Int32Array; count: number } {
  // rows compare by their float32 bit patterns (+0 added so -0 equals 0)
  const f = new Float32Array(t.rows * t.cols);
  for (let i = 0; i < f.length; i++) f[i] = t.data[i] + 0;
  const ids = new Int32Array(t.rows);
  const count = rowSymbols(new Int32Array(f.buffer), t.rows, t.cols, ids);
  return { ids, count };
}

/** Dense ids 0..C-1 of arbitrary integer labels, and C. */
function denseLabels(labels: Int32Array): { ids: Int32Array; count: number } {
  const map = new Map<number, number>();
  const ids = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let v = map.get(labels[i]);
    if (v === undefined) map.set(labels[i], v = map.size);
    ids[i] = v;
  }
  return { ids, count: map.size };
}

/** Symbol ids of a table binned on `bins` edges over its own range. */
function binnedSymbols(t: MiTable, bins: number): { ids: Int32Array; count: number } {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const values = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
  const codes = new Int32Array(values.length);
  binCodes(values, { kind: "edges", edges: linspaceF32(lo, hi, bins) }, codes);
  const ids = new Int32Array(t.rows);
  return { ids, count: rowSymbols(codes, t.rows, t.cols, ids) };
}

/** Plug-in entropy in bits of symbol ids in [0, count). */
function symbolEntropy(ids: Int32Array, count: number): number {
  const c = new Int32Array(count);
  for (let i = 0; i < ids.length; i++) c[ids[i]]++;
  return entropyBits(c, 0, 1, count, ids.length);
}

/** Silverman's rule for a Gaussian kernel: mean column sd x (4 / ((d + 2) n))^(1 / (d + 4)). */
function silverman(x: Float64Array, n: number, d: number): number {
  let sd = 0;
  for (let q = 0; q < d; q++) {
    let m = 0, v = 0;
    for (let i = 0; i < n; i++) m += x[i * d + q];
    m /= n;
    for (let i = 0; i < n; i++) v += (x[i * d + q] - m) ** 2;
    sd += Math.sqrt(v / Math.max(1, n - 1));
  }
  const w = (sd / d) * (4 / ((d + 2) * n)) ** (1 / (d + 4));
  return w > 0 ? w : 1;
}

/** The result fields of a KSG or Ross estimate. */
function neighbourResult(r: NeighbourMi, ross: boolean, k: number, ranks: boolean): MiResult {
  return {
    estimator: "ksg",
    bits: r.bits,
    n: r.n,
    method: ross ? "ross" : "ksg1",
    nats: r.nats,
    k,
    ties: r.ties,
    ranks,
  };
}

/**
 * {@link mutualInformation}, with `ksg` of two continuous tables spread
 * over `options.workers` threads (ksg_parallel.ts: the same estimate);
 * every other case runs as mutualInformation does.
 */
export async function mutualInformationAsync(
  x: MiTable,
  y: MiTable | MiLabels,
  options: MiOptions,
): Promise<MiResult> {
  const workers = options.workers ?? 1;
  if (options.estimator !== "ksg" || isLabels(y) || workers <= 1 || y.rows !== x.rows) {
    return mutualInformation(x, y, options);
  }
  const n = x.rows, k = options.k ?? 3, ranks = options.ranks ?? false;
  const xs = ranks ? rankColumns(x.data, n, x.cols) : x.data;
  const ys = ranks ? rankColumns(y.data, n, y.cols) : y.data;
  const r = await ksgMiParallel(xs, x.cols, ys, y.cols, n, k, workers);
  return neighbourResult(r, false, k, ranks);
}

/** The largest number of atoms x rows the KDE path allocates (two float64 tables of that size). */
const KDE_CELLS = 1 << 25;

/**
 * I(X;Y) in bits by `options.estimator` (see the module doc). X and Y must
 * have the same number of rows; a `RangeError` says what does not fit.
 *
 * @example
 * ```ts
 * const x = { data: new Float64Array([0, 0.1, 0.2, 5, 5.1, 5.2]), rows: 6, cols: 1 };
 * mutualInformation(x, { labels: new Int32Array([0, 0, 0, 1, 1, 1]) },
 *   { estimator: "binned", bins: 3 }).bits; // 1
 * ```
 */
export function mutualInformation(
  x: MiTable,
  y: MiTable | MiLabels,
  options: MiOptions,
): MiResult {
  const n = x.rows;
  const yRows = isLabels(y) ? y.labels.length : y.rows;
  if (yRows !== n) throw new RangeError(`X has ${n} rows and Y has ${yRows}`);
  const estimator = options.estimator;
  switch (estimator) {
    case "ksg": {
      const k = options.k ?? 3;
      const ranks = options.ranks ?? false;
      const xs = ranks ? rankColumns(x.data, n, x.cols) : x.data;
      const r = isLabels(y)
        ? rossMi(xs, x.cols, y.labels, n, k)
        : ksgMi(xs, x.cols, ranks ? rankColumns(y.data, n, y.cols) : y.data, y.cols, n, k);
      return neighbourResult(r, isLabels(y), k, ranks);
    }
    case "binned": {
      const bins = options.bins ?? 30;
      const sx = binnedSymbols(x, bins);
      const sy = isLabels(y) ? denseLabels(y.labels) : binnedSymbols(y, bins);
      const pair = new Int32Array(2 * n);
      for (let i = 0; i < n; i++) {
        pair[2 * i] = sx.ids[i];
        pair[2 * i + 1] = sy.ids[i];
      }
      const joint = new Int32Array(n);
      const nj = rowSymbols(pair, n, 2, joint);
      const hx = symbolEntropy(sx.ids, sx.count), hy = symbolEntropy(sy.ids, sy.count);
      const bits = Math.max(0, hx + hy - symbolEntropy(joint, nj));
      return { estimator, bits, n, bins, h_x: hx, h_y: hy };
    }
    case "renyi": {
      const alpha = options.alpha ?? 1.01, seed = options.seed ?? 0;
      const m = Math.min(n, options.maxRows ?? 256);
      const rows = permutation(createRng(seed, "renyi"), n).subarray(0, m).sort();
      const gram = (t: MiTable, sigma?: number) => {
        const sub = new Float64Array(m * t.cols);
        for (let r = 0; r < m; r++) {
          for (let q = 0; q < t.cols; q++) sub[r * t.cols + q] = t.data[rows[r] * t.cols + q];
        }
        const width = sigma ?? silverman(sub, m, t.cols);
        return { k: gaussianGram(sub, m, t.cols, width), width };
      };
      const gx = gram(x, options.sigma);
      const ky = isLabels(y)
        ? labelGram(Int32Array.from(rows, (r) => y.labels[r]), m)
        : gram(y, options.sigma).k;
      const r = renyiMi(gx.k, ky, m, alpha);
      return { estimator, bits: r.bits, n: m, alpha, sigma_x: gx.width, h_x: r.hX, h_y: r.hY };
    }
    case "kde":
    case "noisy": {
      const s2 = options.noiseVariance ?? 0.1;
      const atoms = isLabels(y) ? denseLabels(y.labels) : rowAtoms(y);
      if (estimator === "noisy") {
        const samples = options.samples ?? n;
        const seed = options.seed ?? 0;
        const [r] = noisyMi(x.data, n, x.cols, [atoms.ids], s2, samples, createRng(seed, "mi"));
        return { estimator, bits: r.bits, n, se: r.se, noise_variance: s2, samples, seed };
      }
      const data = x.data instanceof Float32Array ? x.data : Float32Array.from(x.data);
      if (atoms.count === n) {
        const r = kdeMi(data, n, x.cols, new Int32Array(n), 1, s2, 64);
        return {
          estimator,
          bits: r.ixtUpper,
          n,
          upper: r.ixtUpper,
          lower: r.ixtLower,
          noise_variance: s2,
        };
      }
      if (atoms.count * n > KDE_CELLS) {
        throw new RangeError(
          `kde with ${atoms.count} distinct values of Y over ${n} rows needs ` +
            `${atoms.count} x ${n} sums (at most ${KDE_CELLS})`,
        );
      }
      const r = kdeMi(data, n, x.cols, atoms.ids, atoms.count, s2, 64);
      return {
        estimator,
        bits: r.ityUpper,
        n,
        upper: r.ityUpper,
        lower: r.ityLower,
        noise_variance: s2,
      };
    }
  }
}
