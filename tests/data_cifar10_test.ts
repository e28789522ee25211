/**
 * The CIFAR-10 binary loader (core/data/cifar10.ts) on small files written
 * here in the archive's format: 1 label byte + 3072 pixel bytes (red,
 * green, blue planes of 32 x 32) per record. Pixel order, labels, subsets
 * and the errors for missing, truncated, oversized and wrong files.
 */
import assert from "node:assert/strict";
import {
  CIFAR10_FILE_RECORDS,
  CIFAR10_RECORD,
  CIFAR10_TEST_FILE,
  CIFAR10_TRAIN_FILES,
  loadCifar10,
} from "../core/data/cifar10.ts";
import { loadDataset } from "../core/data/load.ts";

/** Record r of file f: label (f * 7 + r) % 10, pixel byte i = (i * 7 + r * 13 + f) % 256. */
function record(f: number, r: number): Uint8Array {
  const out = new Uint8Array(CIFAR10_RECORD);
  out[0] = (f * 7 + r) % 10;
  for (let i = 0; i < 3072; i++) out[1 + i] = (i * 7 + r * 13 + f) % 256;
  return out;
}

function writeArchive(dir: string, perFile: number): void {
  [...CIFAR10_TRAIN_FILES, CIFAR10_TEST_FILE].forEach((name, f) => {
    const bytes = new Uint8Array(perFile * CIFAR10_RECORD);
    for (let r = 0; r < perFile; r++) bytes.set(record(f, r), r * CIFAR10_RECORD);
    Deno.writeFileSync(`${dir}/${name}`, bytes);
  });
}

const spec = (path: string, subset = 0) => ({
  name: "cifar10" as const,
  path,
  subset,
  testSubset: 0,
  probeSize: 0,
});

Deno.test("cifar10: records in file order, NHWC pixels = CHW bytes / 255, labels", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    writeArchive(dir, 6);
    const ds = await loadDataset(spec(dir), 0);
    assert.deepEqual(ds.inputShape, [32, 32, 3]);
    assert.equal(ds.nTrain, 30);
    assert.equal(ds.nTest, 6);
    assert.equal(ds.probe.n, 6);
    // Training row k is record k % 6 of file floor(k / 6).
    for (const k of [0, 7, 29]) {
      const f = Math.floor(k / 6), r = k % 6;
      assert.equal(ds.yTrain[k], (f * 7 + r) % 10);
      for (const [y, x, c] of [[0, 0, 0], [0, 1, 2], [5, 9, 1], [31, 31, 2]]) {
        const byte = (((c * 1024 + y * 32 + x) * 7) + r * 13 + f) % 256;
        assert.equal(
          ds.xTrain[k * 3072 + (y * 32 + x) * 3 + c],
          Math.fround(byte / 255),
          `row ${k} (${y},${x},${c})`,
        );
      }
    }
    assert.equal(ds.yTest[3], (5 * 7 + 3) % 10, "test_batch.bin is the sixth file written");
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("cifar10: a class-balanced subset", () => {
  const dir = Deno.makeTempDirSync();
  try {
    writeArchive(dir, 10); // 50 training records, 5 of each label
    const ds = loadCifar10(spec(dir, 20), 3);
    assert.equal(ds.nTrain, 20);
    const counts = new Array(10).fill(0);
    ds.yTrain.forEach((y) => counts[y]++);
    assert.deepEqual(counts, new Array(10).fill(2));
    assert.throws(() => loadCifar10(spec(dir, 60), 0), /cannot take 60 of 50/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("cifar10: missing, truncated, oversized and non-CIFAR-10 files are clear errors", () => {
  const dir = Deno.makeTempDirSync();
  try {
    writeArchive(dir, 2);
    Deno.removeSync(`${dir}/data_batch_3.bin`);
    assert.throws(() => loadCifar10(spec(dir), 0), /data_batch_3\.bin is missing/);
    writeArchive(dir, 2);
    const path = `${dir}/data_batch_2.bin`;
    Deno.truncateSync(path, 2 * CIFAR10_RECORD - 100);
    assert.throws(
      () => loadCifar10(spec(dir), 0),
      /data_batch_2\.bin has 6046 bytes \(2973 bytes past the last whole record/,
    );
    // A file larger than 10 000 records is refused before it is read (sparse file, no data).
    Deno.truncateSync(path, (CIFAR10_FILE_RECORDS + 1) * CIFAR10_RECORD);
    assert.throws(() => loadCifar10(spec(dir), 0), /has 30733073 bytes/);
    writeArchive(dir, 2);
    const bad = Deno.readFileSync(`${dir}/${CIFAR10_TEST_FILE}`);
    bad[CIFAR10_RECORD] = 57; // label of record 1: a CIFAR-100 fine label
    // A fresh folder: the loader keeps what it read per folder for the process.
    const fresh = `${dir}/again`;
    Deno.mkdirSync(fresh);
    writeArchive(fresh, 2);
    Deno.writeFileSync(`${fresh}/${CIFAR10_TEST_FILE}`, bad);
    assert.throws(() => loadCifar10(spec(fresh), 0), /record 1 has label 57/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
