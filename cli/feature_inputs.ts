/**
 * Reading and checking the arrays `lens features` takes: network inputs x,
 * a feature f and labels y for the training split (and optionally a test
 * split), and the same feature of peer networks. Each array comes from a
 * `.npy` file or one array of an `.npz` (`FILE.npz:name`, or `FILE.npz`
 * with the usual name: x, f, y). Rows are samples; everything after the
 * first axis is flattened (images [N, 28, 28], conv maps [N, H, W, C]).
 *
 * Every problem is a {@link LensError} naming the file and array and what
 * was expected: a missing array, a row count that differs from the other
 * arrays of the split, a test split whose widths differ from the training
 * split's, non-finite values, empty arrays, bad labels.
 *
 * @module
 */
import { MAX_CLASSES } from "../core/data/class_labels.ts";
import { checkFinite, toFloat32, toInt32Labels } from "../core/data/ndarray.ts";
import { type NpyArray, readNpy } from "../core/data/npy.ts";
import { readNpz } from "../core/data/npz.ts";
import { LensError } from "../core/errors.ts";
import type { UserSplit } from "../plugins/complexity/user_features.ts";

/** Where one array comes from: a file and, for an `.npz`, the array's name. */
export interface ArraySource {
  file: string;
  /** Array name inside an `.npz` (empty for a `.npy`). */
  name: string;
}

/** An array read from its source, with the rows and the flattened row width. */
export interface LoadedArray {
  source: ArraySource;
  array: NpyArray;
  rows: number;
  cols: number;
}

/** A split read and checked: the typed arrays {@link analyzeFeatures} takes, and the widths. */
export interface LoadedSplit {
  split: UserSplit;
  inDim: number;
  dim: number;
  sources: { x: string; f: string; y: string };
}

/** `file` or `file:name` of a source, as errors and run configs show it. */
export function describeSource(s: ArraySource): string {
  return s.name ? `${s.file}:${s.name}` : s.file;
}

/**
 * Parses `FILE.npy`, `FILE.npz` (array `defaultName`) or `FILE.npz:name`.
 *
 * @example
 * ```ts
 * parseSource("train.npz:feat", "f"); // { file: "train.npz", name: "feat" }
 * parseSource("f.npy", "f"); // { file: "f.npy", name: "" }
 * ```
 */
export function parseSource(spec: string, defaultName: string): ArraySource {
  const m = /^(.*\.npz):([^:/\\]+)$/i.exec(spec);
  if (m) return { file: m[1], name: m[2] };
  if (/\.npz$/i.test(spec)) return { file: spec, name: defaultName };
  return { file: spec, name: "" };
}

const npzCache = new Map<string, Map<string, NpyArray>>();

function dataError(s: ArraySource, message: string, expected: string): LensError {
  return new LensError(message, {
    code: "data",
    file: s.file,
    field: s.name || undefined,
    expected,
  });
}

/** Reads one array (npz files are read once) and checks it has rows and columns. */
export function loadArray(s: ArraySource): LoadedArray {
  let array: NpyArray | undefined;
  if (s.name) {
    let arrays = npzCache.get(s.file);
    if (!arrays) {
      arrays = readNpz(s.file);
      npzCache.set(s.file, arrays);
    }
    array = arrays.get(s.name);
    if (!array) {
      throw dataError(
        s,
        `no array named "${s.name}"`,
        `an array "${s.name}" (the file holds ${[...arrays.keys()].join(", ") || "none"})`,
      );
    }
  } else {
    array = readNpy(s.file);
  }
  if (array.shape.length === 0 || array.data.length === 0) {
    throw dataError(s, `array has shape [${array.shape.join(", ")}]`, "a non-empty [N, ...] array");
  }
  const rows = array.shape[0];
  return { source: s, array, rows, cols: array.data.length / rows };
}

/** The float32 values of a loaded array, checked finite. */
function finiteValues(a: LoadedArray): Float32Array {
  const data = toFloat32(a.array);
  checkFinite(data, a.source.file, a.source.name || "array");
  return data;
}

function rowError(a: LoadedArray, rows: number, of: string): LensError {
  return dataError(
    a.source,
    `has ${a.rows} rows but ${of} has ${rows}`,
    `${rows} rows (one per sample)`,
  );
}

/**
 * Reads and checks one split. `widths` (the training split's) makes a test
 * split's x and f widths part of the check.
 */
export function loadSplit(
  sources: { x: ArraySource; f: ArraySource; y: ArraySource },
  widths?: { inDim: number; dim: number },
): LoadedSplit {
  const x = loadArray(sources.x);
  const f = loadArray(sources.f);
  const y = loadArray(sources.y);
  const xName = describeSource(sources.x);
  if (f.rows !== x.rows) throw rowError(f, x.rows, xName);
  if (y.rows !== x.rows) throw rowError(y, x.rows, xName);
  if (widths && x.cols !== widths.inDim) {
    throw dataError(
      x.source,
      `has ${x.cols} values per row (shape [${x.array.shape.join(", ")}])`,
      `${widths.inDim} values per row, as the training inputs`,
    );
  }
  if (widths && f.cols !== widths.dim) {
    throw dataError(
      f.source,
      `has ${f.cols} values per row (shape [${f.array.shape.join(", ")}])`,
      `${widths.dim} values per row, as the training feature`,
    );
  }
  const labels = toInt32Labels(y.array, y.source.file, y.source.name || "labels");
  // labels index the upper network's outputs here, so they are not remapped: bound them
  const big = labels.findIndex((v) => v >= MAX_CLASSES);
  if (big >= 0) {
    throw dataError(
      y.source,
      `label ${big} is ${labels[big]}, past the ${MAX_CLASSES} classes accepted`,
      `class indices 0..${MAX_CLASSES - 1}`,
    );
  }
  return {
    split: { x: finiteValues(x), f: finiteValues(f), y: labels, n: x.rows },
    inDim: x.cols,
    dim: f.cols,
    sources: { x: xName, f: describeSource(sources.f), y: describeSource(sources.y) },
  };
}

/** Reads and checks a peer's feature: as many rows as the training split, finite values. */
export function loadPeer(s: ArraySource, rows: number, trainX: string): Float32Array {
  const a = loadArray(s);
  if (a.rows !== rows) throw rowError(a, rows, trainX);
  return finiteValues(a);
}

/** Throws unless every label is a class the upper network outputs. */
export function checkLabels(y: Int32Array, classes: number, s: ArraySource): void {
  const bad = y.findIndex((v) => v >= classes);
  if (bad >= 0) {
    throw dataError(
      s,
      `label ${bad} is ${y[bad]} but the upper network has ${classes} outputs`,
      `class indices 0..${classes - 1}`,
    );
  }
}
