/**
 * `lens mi`: mutual information between two arrays of rows saved as .npy,
 * by the KSG / Ross, binned, KDE or noisy-network estimator
 * (plugins/infoplane/mi_arrays.ts does the estimating).
 *
 * @module
 */
import { LensError } from "../core/errors.ts";
import { checkFinite, toFloat32 } from "../core/data/ndarray.ts";
import { type NpyArray, readNpy } from "../core/data/npy.ts";
import {
  isLabels,
  MI_ESTIMATORS,
  type MiLabels,
  type MiResult,
  type MiTable,
  mutualInformationAsync,
} from "../plugins/infoplane/mi_arrays.ts";
import { choiceFlag, intFlag, parseFlags, usageError } from "./args.ts";

/** Help text of `lens mi`. */
export const HELP = `lens mi --x X.npy --y Y.npy [--estimator ksg|binned|kde|noisy|renyi] [options]

Mutual information I(X;Y) in bits between two arrays with one row per
sample: [N, d] (or [N], one column). A 1-D array of an integer dtype for Y
is a discrete variable (class labels).

Estimators:
  ksg     Kraskov-Stoegbauer-Grassberger estimator 1 (max-norm, k neighbours)
          for continuous X and Y; Ross's mixed estimator when Y is discrete.
          Fields: nats, k, ties (samples whose k-th neighbour is at distance 0)
  binned  each array binned on --bins equal edges over its own range; the
          plug-in H(X) + H(Y) - H(X,Y). Fields: bins, h_x, h_y
  kde     Kolchinsky-Tracey bounds for X + Z, Z ~ N(0, s2 I); Y discrete
          (labels, or each distinct row of Y one atom, e.g. the network's
          inputs). bits is the upper value. Fields: upper, lower
  noisy   I(Y; X + Z) by Monte Carlo over the Gaussian mixture (Goldfeld et
          al. 2019); Y discrete as for kde. Fields: se (Monte Carlo standard
          error), samples, seed
  renyi   matrix-based Renyi alpha-order quantity (Sanchez Giraldo et al.
          2014) of Gaussian Gram matrices on a seeded subsample of rows: NOT
          Shannon information. Fields: alpha, sigma_x, h_x, h_y

Options:
  --x FILE               .npy, [N, d] or [N] (required)
  --y FILE               .npy, [N, d] or [N]; 1-D integer = discrete (required)
  --estimator E          ksg (default), binned, kde, noisy, renyi
  --k N                  ksg: neighbours (default 3)
  --ranks                ksg: replace each column by its ranks first (the estimate is then
                         exactly unchanged by monotone maps of the coordinates)
  --bins N               binned: edges per array (default 30)
  --noise-variance S2    kde, noisy: variance of the noise added to X (default 0.1)
  --samples N            noisy: Monte Carlo draws (default N, one per row)
  --seed N               noisy: seed of the draws; renyi: of the subsample (default 0)
  --alpha A              renyi: order alpha > 0, not 1 (default 1.01)
  --sigma S              renyi: kernel width (default: Silverman's rule)
  --max-rows N           renyi: rows used (default 256; cost grows as N^3)
  --workers N            ksg with a continuous Y: threads for the neighbour searches
                         (default: the cores, at most 4; the estimate is the same for any N)
  --format F             text (default) or json
  -h, --help             this help

Example:
  # numpy: np.save("x.npy", x); np.save("y.npy", y)   # x: [N, d] floats, y: [N] ints
  deno task lens mi --x x.npy --y y.npy --estimator ksg --k 3 --format json
`;

const INTEGER_DTYPES = new Set(["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "b1"]);

function dataError(file: string, message: string, expected: string): LensError {
  return new LensError(message, { code: "data", file, expected });
}

/** Reads one side: a table, or labels when `discreteIfInteger` and the array is a 1-D integer vector. */
function readSide(file: string, discreteIfInteger: boolean): MiTable | MiLabels {
  const a: NpyArray = readNpy(file);
  if (a.shape.length !== 1 && a.shape.length !== 2) {
    throw dataError(file, `array has shape [${a.shape.join(", ")}]`, "[N, d] or [N]");
  }
  const rows = a.shape[0], cols = a.shape.length === 2 ? a.shape[1] : 1;
  if (rows < 2 || cols < 1) {
    throw dataError(file, `array has shape [${a.shape.join(", ")}]`, "at least 2 rows, 1 column");
  }
  if (discreteIfInteger && a.shape.length === 1 && INTEGER_DTYPES.has(a.dtype)) {
    const labels = new Int32Array(rows);
    for (let i = 0; i < rows; i++) {
      const v = Number(a.data[i]);
      if (!(v >= -2147483648 && v <= 2147483647)) {
        throw dataError(file, `label ${i} is ${v}`, "labels that fit a 32-bit integer");
      }
      labels[i] = v;
    }
    return { labels };
  }
  const data = toFloat32(a);
  checkFinite(data, file, "array");
  const wide = a.data instanceof Float64Array ? a.data : data;
  return { data: wide, rows, cols };
}

/** A flag that must be a finite number > 0 (undefined when absent). */
function positiveFlag(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (!(typeof value === "string" && value.trim() !== "" && Number.isFinite(v) && v > 0)) {
    throw usageError("mi", `--${name} must be a number > 0, got ${JSON.stringify(value)}`);
  }
  return v;
}

function intOption(name: string, value: unknown, min: number, def: number): number {
  return intFlag("mi", name, value, min) ?? def;
}

/** Threads for KSG by default: the machine's cores, at most 4. */
function defaultWorkers(): number {
  return Math.max(1, Math.min(4, navigator.hardwareConcurrency || 1));
}

/** Formats a result as `key: value` lines after a headline. */
function formatText(r: MiResult, xFile: string, yFile: string): string {
  const lines = [`I(X;Y) = ${r.bits.toFixed(6)} bits  (${r.estimator}, n = ${r.n})`];
  lines.push(`  x: ${xFile}`, `  y: ${yFile}`);
  for (const [k, v] of Object.entries(r)) {
    if (k === "bits" || k === "estimator" || k === "n") continue;
    lines.push(`  ${k}: ${typeof v === "number" && !Number.isInteger(v) ? v.toFixed(6) : v}`);
  }
  return lines.join("\n");
}

/** Runs `lens mi`. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags("mi", args, {
    x: { type: "string" },
    y: { type: "string" },
    estimator: { type: "string" },
    k: { type: "string" },
    bins: { type: "string" },
    "noise-variance": { type: "string" },
    samples: { type: "string" },
    seed: { type: "string" },
    ranks: { type: "boolean" },
    alpha: { type: "string" },
    sigma: { type: "string" },
    "max-rows": { type: "string" },
    workers: { type: "string" },
    format: { type: "string" },
  }, { min: 0, max: 0, names: "" });
  const format = choiceFlag("mi", "format", values.format, ["text", "json"], "text");
  const estimator = choiceFlag("mi", "estimator", values.estimator, MI_ESTIMATORS, "ksg");
  for (const flag of ["x", "y"] as const) {
    if (typeof values[flag] !== "string") {
      throw usageError("mi", `missing --${flag}`, `--${flag} FILE.npy`);
    }
  }
  const xFile = values.x as string, yFile = values.y as string;
  const k = intOption("k", values.k, 1, 3);
  const bins = intOption("bins", values.bins, 2, 30);
  const samples = intFlag("mi", "samples", values.samples, 2);
  const seed = intOption("seed", values.seed, 0, 0);
  const noiseVariance = positiveFlag("noise-variance", values["noise-variance"]) ?? 0.1;
  const alpha = positiveFlag("alpha", values.alpha);
  if (alpha === 1) throw usageError("mi", "--alpha must not be 1 (the Renyi order 1 is a limit)");
  const sigma = positiveFlag("sigma", values.sigma);
  const maxRows = intFlag("mi", "max-rows", values["max-rows"], 2);
  const workers = intOption("workers", values.workers, 1, defaultWorkers());
  const x = readSide(xFile, false) as MiTable;
  const y = readSide(yFile, true);
  const yRows = isLabels(y) ? y.labels.length : y.rows;
  if (yRows !== x.rows) {
    throw dataError(yFile, `has ${yRows} rows but ${xFile} has ${x.rows}`, "one row per row of X");
  }
  if (estimator === "ksg" && !(k < x.rows)) {
    throw usageError("mi", `--k ${k} needs more than ${k} rows; the files have ${x.rows}`);
  }
  let result: MiResult;
  try {
    result = await mutualInformationAsync(x, y, {
      estimator,
      k,
      ranks: values.ranks === true,
      alpha,
      sigma,
      maxRows,
      bins,
      noiseVariance,
      samples,
      seed,
      workers,
    });
  } catch (e) {
    if (e instanceof RangeError) {
      throw new LensError(e.message, { code: "data", file: yFile, expected: "smaller inputs" });
    }
    throw e;
  }
  if (result.method === "ross" && result.n < 2) {
    throw dataError(
      yFile,
      "no label occurs more than once",
      "labels that repeat (Ross's estimator)",
    );
  }
  console.log(format === "json" ? JSON.stringify(result) : formatText(result, xFile, yFile));
  return 0;
}
