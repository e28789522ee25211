/**
 * A labelled data set from the user's own file: `.npy` (with a separate
 * label `.npy`), `.npz` (arrays `x` and `y`) or `.csv` (label last).
 *
 * @module
 */
import { LensError } from "../errors.ts";
import type { Dataset, DataSpec } from "../types.ts";
import { classIndices } from "./class_labels.ts";
import { parseCsv } from "./csv.ts";
import { checkFinite, toFloat32, toInt32Labels } from "./ndarray.ts";
import { type NpyArray, readNpy } from "./npy.ts";
import { readNpz } from "./npz.ts";

interface Loaded {
  x: Float32Array;
  y: Int32Array;
  n: number;
  inputShape: number[];
  labelsFrom: string;
}

function fromInputArray(a: NpyArray, file: string, name: string): Omit<Loaded, "y" | "labelsFrom"> {
  if (a.shape.length === 0 || a.shape[0] === 0) {
    throw new LensError(`input array has shape [${a.shape.join(", ")}]`, {
      code: "data",
      file,
      field: name,
      expected: "an array [N, ...] with N >= 1 samples along the first axis",
    });
  }
  const inputShape = a.shape.length === 1 ? [1] : a.shape.slice(1);
  return { x: toFloat32(a), n: a.shape[0], inputShape };
}

function readLabelFile(path: string): Int32Array {
  if (!path.toLowerCase().endsWith(".npy")) {
    throw new LensError(`label file must be a .npy file`, {
      code: "config",
      file: path,
      field: "data.labels",
      expected: "a .npy file of class indices",
    });
  }
  return toInt32Labels(readNpy(path), path, "labels");
}

function loadNpy(spec: Extract<DataSpec, { name: "file" }>): Loaded {
  if (!spec.labels) {
    throw new LensError("a .npy input file needs a separate label file", {
      code: "config",
      file: spec.path,
      field: "data.labels",
      expected: "data.labels: path of a .npy file of class indices",
    });
  }
  const x = fromInputArray(readNpy(spec.path), spec.path, "x");
  return { ...x, y: readLabelFile(spec.labels), labelsFrom: spec.labels };
}

function loadNpz(spec: Extract<DataSpec, { name: "file" }>): Loaded {
  const arrays = readNpz(spec.path);
  const names = [...arrays.keys()].join(", ") || "none";
  const get = (name: string, field: string): NpyArray => {
    const a = arrays.get(name);
    if (!a) {
      throw new LensError(`the archive has no array '${name}' (it holds: ${names})`, {
        code: "data",
        file: spec.path,
        field,
        expected: field === "x"
          ? "an array named x (the inputs)"
          : "an array named y, or data.labels naming the label array or a .npy file",
      });
    }
    return a;
  };
  const x = fromInputArray(get("x", "x"), spec.path, "x");
  if (spec.labels?.toLowerCase().endsWith(".npy")) {
    return { ...x, y: readLabelFile(spec.labels), labelsFrom: spec.labels };
  }
  const labelName = spec.labels ?? "y";
  const y = toInt32Labels(get(labelName, spec.labels ? "data.labels" : "y"), spec.path, labelName);
  return { ...x, y, labelsFrom: `${spec.path}:${labelName}` };
}

function loadCsv(spec: Extract<DataSpec, { name: "file" }>): Loaded {
  if (spec.labels) {
    throw new LensError("a .csv file carries its labels in the last column", {
      code: "config",
      file: spec.path,
      field: "data.labels",
      expected: "no data.labels with a .csv file",
    });
  }
  let text: string;
  try {
    text = Deno.readTextFileSync(spec.path);
  } catch (e) {
    const missing = e instanceof Deno.errors.NotFound;
    throw new LensError(missing ? "file not found" : `cannot read: ${(e as Error).message}`, {
      code: missing ? "not_found" : "data",
      file: spec.path,
    });
  }
  const { x, y, n, d } = parseCsv(text, spec.path);
  return { x, y, n, inputShape: [d], labelsFrom: `${spec.path}: last column` };
}

/**
 * Loads `spec.path` by its extension:
 *
 * - `.npy`: the inputs `[N, ...]`; `spec.labels` (a `.npy` of N labels) is
 *   required.
 * - `.npz`: arrays `x` (inputs) and `y` (labels); `spec.labels` may name
 *   another array in the archive, or a separate `.npy` file.
 * - `.csv`: one sample a line, label last, optional header (see parseCsv).
 *
 * Inputs are flattened to `[N, d]` with `inputShape` = the trailing dims
 * (`[1]` for a vector); labels may be integers >= 0 or one-hot rows, and
 * are mapped to class indices 0..K-1 in ascending order of value (at most
 * 10000 classes, class_labels.ts; `info.classes` keeps the original values,
 * `numClasses` = K). Split: the first
 * `round(trainFraction * N)` rows in file order are the training set, the
 * rest the test set (shuffle the file beforehand for a random split); the
 * probe set is all N rows. Relative paths resolve against the working
 * directory.
 *
 * Throws a {@link LensError} naming the file and array for an unknown
 * extension, a missing array, mismatched lengths, or NaN / Infinity inputs.
 *
 * @example
 * ```ts
 * const ds = loadFileDataset({ name: "file", path: "my.npz", trainFraction: 0.8 });
 * ```
 */
export function loadFileDataset(spec: Extract<DataSpec, { name: "file" }>): Dataset {
  const ext = /\.([^./\\]+)$/.exec(spec.path)?.[1]?.toLowerCase();
  const loaders: Record<string, (s: typeof spec) => Loaded> = {
    npy: loadNpy,
    npz: loadNpz,
    csv: loadCsv,
  };
  const loader = ext ? loaders[ext] : undefined;
  if (!loader) {
    throw new LensError(`unsupported file type '${ext ? "." + ext : "(none)"}'`, {
      code: "config",
      file: spec.path,
      field: "data.path",
      expected: "a .npy, .npz or .csv file",
    });
  }
  const { x, y, n, inputShape, labelsFrom } = loader(spec);
  if (y.length !== n) {
    throw new LensError(`${n} input rows but ${y.length} labels (from ${labelsFrom})`, {
      code: "data",
      file: spec.path,
      field: "labels",
      expected: "one label per input row",
    });
  }
  checkFinite(x, spec.path, "x");
  const f = spec.trainFraction;
  const nTrain = Math.round(f * n);
  if (!(f > 0 && f <= 1) || nTrain < 1) {
    throw new LensError(`trainFraction ${f} of ${n} rows leaves no training rows`, {
      code: "config",
      field: "data.trainFraction",
      expected: "a number in (0, 1] keeping at least one row",
    });
  }
  const d = x.length / n;
  const { y: indices, classes } = classIndices(y, labelsFrom, "labels");
  const numClasses = classes.length;
  return {
    name: `file:${spec.path}`,
    inputShape,
    numClasses,
    xTrain: x.slice(0, nTrain * d),
    yTrain: indices.slice(0, nTrain),
    nTrain,
    xTest: x.slice(nTrain * d),
    yTest: indices.slice(nTrain),
    nTest: n - nTrain,
    probe: { x, y: indices, n },
    info: {
      provenance: spec.path,
      labels: labelsFrom,
      classes,
      split: "first rows",
      trainFraction: f,
      nTrain,
    },
  };
}
