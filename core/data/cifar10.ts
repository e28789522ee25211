/**
 * CIFAR-10 from the binary archive a user downloads and unpacks
 * (`cifar-10-binary.tar.gz`, folder `cifar-10-batches-bin/`): training
 * files `data_batch_1.bin` .. `data_batch_5.bin`, test file
 * `test_batch.bin`. Each file is a sequence of records of 3073 bytes: one
 * label byte (0..9), then 3072 pixel bytes, the 32 x 32 red plane, then
 * green, then blue (channel-major, rows top to bottom). Inputs here are
 * NHWC `[32, 32, 3]` scaled to [0, 1]; 10 classes.
 *
 * Files are checked before they are read: each must exist, hold a whole
 * number of records (a truncated download is an error naming the file)
 * and at most 10 000 records (the archive's size), so a wrong file cannot
 * make the loader allocate without bound.
 *
 * @module
 */
import { LensError } from "../errors.ts";
import type { Dataset } from "../types.ts";
import { keptRows, probeCount } from "./balanced_subset.ts";

/** Bytes of one record: a label and 32 x 32 x 3 pixels. */
export const CIFAR10_RECORD = 1 + 32 * 32 * 3;
/** Records of one file of the archive (the most a file may hold). */
export const CIFAR10_FILE_RECORDS = 10_000;
/** The training files, in order. */
export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
/** The test file. */
export const CIFAR10_TEST_FILE = "test_batch.bin";

const PIXELS = 32 * 32 * 3;
const PLANE = 32 * 32;

/** What to load: the folder of the `.bin` files and which subsets to keep. */
export interface Cifar10Spec {
  name: "cifar10";
  /** Folder holding data_batch_1..5.bin and test_batch.bin. */
  path: string;
  /** Class-balanced training subset of this many images; 0 = all 50000. */
  subset: number;
  /** Test images to keep (class-balanced); 0 = all 10000. */
  testSubset: number;
  /** Test images to capture activations on (the first of the kept ones; 0 = all). */
  probeSize: number;
}

/** Labels and raw pixel bytes (CHW per record) of some files, concatenated. */
interface RawSplit {
  labels: Uint8Array;
  pixels: Uint8Array;
  n: number;
}

const rawCache = new Map<string, RawSplit>();

function readRecords(dir: string, files: string[]): RawSplit {
  const key = `${dir}\u0000${files.join(",")}`;
  const hit = rawCache.get(key);
  if (hit) return hit;
  const sizes = files.map((name) => {
    const file = `${dir.replace(/\/+$/, "")}/${name}`;
    let size: number;
    try {
      const st = Deno.statSync(file);
      if (!st.isFile) throw new Error("not a file");
      size = st.size;
    } catch (e) {
      throw new LensError(
        e instanceof Deno.errors.NotFound
          ? `CIFAR-10 file ${name} is missing`
          : `cannot read CIFAR-10 file ${name}: ${(e as Error).message}`,
        {
          code: e instanceof Deno.errors.NotFound ? "not_found" : "data",
          file,
          expected: "the folder cifar-10-batches-bin of the binary archive " +
            "(cifar-10-binary.tar.gz), with data_batch_1..5.bin and test_batch.bin",
        },
      );
    }
    if (size === 0 || size % CIFAR10_RECORD !== 0 || size > CIFAR10_FILE_RECORDS * CIFAR10_RECORD) {
      throw new LensError(
        `${name} has ${size} bytes` +
          (size % CIFAR10_RECORD
            ? ` (${size % CIFAR10_RECORD} bytes past the last whole record:` +
              " truncated or not a CIFAR-10 binary file)"
            : ""),
        {
          code: "data",
          file,
          expected: `1 to ${CIFAR10_FILE_RECORDS} records of ${CIFAR10_RECORD} bytes ` +
            `(${CIFAR10_FILE_RECORDS * CIFAR10_RECORD} bytes in the archive)`,
        },
      );
    }
    return { file, size };
  });
  const n = sizes.reduce((a, s) => a + s.size / CIFAR10_RECORD, 0);
  const labels = new Uint8Array(n);
  const pixels = new Uint8Array(n * PIXELS);
  let at = 0;
  for (const { file, size } of sizes) {
    const bytes = Deno.readFileSync(file);
    if (bytes.length !== size) {
      throw new LensError(`${file} changed while it was read (${bytes.length} bytes)`, {
        code: "data",
        file,
        expected: `${size} bytes`,
      });
    }
    for (let r = 0; r < size / CIFAR10_RECORD; r++, at++) {
      const off = r * CIFAR10_RECORD;
      const label = bytes[off];
      if (label > 9) {
        throw new LensError(`record ${r} has label ${label}`, {
          code: "data",
          file,
          expected: "labels 0..9 (a CIFAR-10 binary file, not CIFAR-100)",
        });
      }
      labels[at] = label;
      pixels.set(bytes.subarray(off + 1, off + CIFAR10_RECORD), at * PIXELS);
    }
  }
  const split = { labels, pixels, n };
  rawCache.set(key, split);
  return split;
}

/**
 * Rows `rows` (all when undefined) of `src` as NHWC floats in [0, 1]
 * (pixel (y, x) channel c = byte c * 1024 + y * 32 + x of the record).
 */
function cifarToNhwc(
  src: RawSplit,
  rows: Int32Array | undefined,
): { x: Float32Array; y: Int32Array; n: number } {
  const n = rows ? rows.length : src.n;
  const x = new Float32Array(n * PIXELS);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const r = rows ? rows[k] : k;
    const from = r * PIXELS, to = k * PIXELS;
    for (let p = 0; p < PLANE; p++) {
      for (let c = 0; c < 3; c++) x[to + p * 3 + c] = src.pixels[from + c * PLANE + p] / 255;
    }
    y[k] = src.labels[r];
  }
  return { x, y, n };
}

/**
 * Loads CIFAR-10 from `spec.path`. `subset` / `testSubset` > 0 keep
 * class-balanced subsets drawn with `createRng(seed, "subset")` /
 * `createRng(seed, "test-subset")` (as for mnist); the probe is the first
 * `probeSize` kept test images. The raw bytes are read once per process
 * (153 MB for the training files); only the kept rows become floats
 * (50 000 images: 614 MB).
 *
 * @example
 * ```ts
 * const ds = loadCifar10(
 *   { name: "cifar10", path: "cifar-10-batches-bin", subset: 2000, testSubset: 0, probeSize: 500 }, 0);
 * ds.inputShape; // [32, 32, 3]
 * ```
 */
export function loadCifar10(spec: Cifar10Spec, seed: number): Dataset {
  const train = readRecords(spec.path, CIFAR10_TRAIN_FILES);
  const test = readRecords(spec.path, [CIFAR10_TEST_FILE]);
  const rows = keptRows(train.labels, test.labels, 10, spec, seed);
  const tr = cifarToNhwc(train, rows.train);
  const te = cifarToNhwc(test, rows.test);
  const probeN = probeCount(spec.probeSize, te.n);
  return {
    name: "cifar10",
    inputShape: [32, 32, 3],
    numClasses: 10,
    xTrain: tr.x,
    yTrain: tr.y,
    nTrain: tr.n,
    xTest: te.x,
    yTest: te.y,
    nTest: te.n,
    probe: { x: te.x.subarray(0, probeN * PIXELS), y: te.y.subarray(0, probeN), n: probeN },
    info: {
      provenance: `CIFAR-10 binary files in ${spec.path} (Krizhevsky 2009)`,
      trainFiles: train.n,
      subset: spec.subset,
      testSubset: spec.testSubset,
      probeSize: probeN,
      ...(spec.subset > 0 || spec.testSubset > 0 ? { subsetSeed: seed } : {}),
    },
  };
}
