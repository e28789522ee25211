/**
 * The 12-bit task: bit order of the inputs, the authors' labels (checked
 * against the file's recorded hash and its published count), and the splits.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { loadTishby12, tishby12Arrays } from "../core/data/tishby12.ts";
import { loadDataset } from "../core/data/load.ts";
import { LensError } from "../core/errors.ts";

const LOCAL_HEX = new URL("../data/var_u_labels.hex", import.meta.url);
const SHA256 = "9cc60b094dc242fd7f0273a3121329f8a8494b30734377561c887aab2ee87ede";

function rowKey(x: Float32Array, r: number): string {
  return Array.from(x.subarray(r * 12, r * 12 + 12)).join("");
}

Deno.test("tishby12: inputs are the bits of i, most significant first", () => {
  const { x } = tishby12Arrays();
  assert.equal(x.length, 4096 * 12);
  assert.equal(rowKey(x, 0), "000000000000");
  assert.equal(rowKey(x, 5), "000000000101");
  assert.equal(rowKey(x, 2048), "100000000000");
  assert.equal(rowKey(x, 4095), "111111111111");
  // every row read back as a binary number is its own index
  for (let i = 0; i < 4096; i++) assert.equal(parseInt(rowKey(x, i), 2), i);
});

Deno.test("tishby12: labels are the shipped hex file's bits, 2118 ones", () => {
  const bytes = Deno.readFileSync(LOCAL_HEX);
  assert.equal(createHash("sha256").update(bytes).digest("hex"), SHA256, "data/ file unchanged");
  const { y } = tishby12Arrays();
  assert.equal(y.length, 4096);
  assert.equal(y.reduce((s, v) => s + v, 0), 2118);
  assert.ok(y.every((v) => v === 0 || v === 1));
  // independent decoding with BigInt: the whole hex string as one 4096-bit number,
  // label i = bit (4095 - i) counted from the least significant end
  const big = BigInt("0x" + new TextDecoder().decode(bytes).replace(/\s+/g, ""));
  for (const i of [0, 1, 7, 8, 1000, 2047, 2048, 3276, 3277, 4095]) {
    assert.equal(y[i], Number((big >> BigInt(4095 - i)) & 1n), `label ${i}`);
  }
  let ones = 0;
  for (let i = 0; i < 4096; i++) ones += Number((big >> BigInt(i)) & 1n);
  assert.equal(ones, 2118);
  // H(Y) = 0.99916 bits, as docs/methods.md states
  const p = 2118 / 4096;
  assert.ok(Math.abs(-(p * Math.log2(p) + (1 - p) * Math.log2(1 - p)) - 0.99916) < 5e-6);
});

Deno.test("tishby12: tishby12Arrays returns fresh copies", () => {
  const a = tishby12Arrays();
  a.x[0] = 7;
  a.y[0] = 9;
  const b = tishby12Arrays();
  assert.equal(b.x[0], 0);
  assert.equal(b.y[0], 0);
});

Deno.test("tishby12: reference split = first 3277 rows train, last 819 test", () => {
  const { x, y } = tishby12Arrays();
  const ds = loadTishby12({ name: "tishby12", split: "reference", trainFraction: 0.8 }, 123);
  assert.equal(ds.nTrain, 3277);
  assert.equal(ds.nTest, 819);
  assert.deepEqual(ds.inputShape, [12]);
  assert.equal(ds.numClasses, 2);
  assert.equal(ds.xTrain.length, 3277 * 12);
  assert.equal(ds.yTest.length, 819);
  assert.deepEqual(ds.xTrain, x.subarray(0, 3277 * 12));
  assert.deepEqual(ds.yTrain, y.subarray(0, 3277));
  assert.equal(rowKey(ds.xTest, 0), (3277).toString(2).padStart(12, "0"));
  assert.deepEqual(ds.yTest, y.subarray(3277));
  assert.equal(ds.probe.n, 4096);
  assert.deepEqual(ds.probe.x, x);
  assert.deepEqual(ds.probe.y, y);
  assert.equal(ds.info.split, "reference");
  assert.equal(ds.info.nTrain, 3277);
  assert.match(String(ds.info.provenance), /IDNNs/);
  // the seed does not matter for the reference split
  const other = loadTishby12({ name: "tishby12", split: "reference", trainFraction: 0.8 }, 9);
  assert.deepEqual(other.yTrain, ds.yTrain);
  // another fraction: round(0.5 * 4096) = 2048
  assert.equal(
    loadTishby12({ name: "tishby12", split: "reference", trainFraction: 0.5 }, 0).nTrain,
    2048,
  );
});

Deno.test("tishby12: random split is a seeded permutation of the 4096 rows", async () => {
  const spec = { name: "tishby12", split: "random", trainFraction: 0.8 } as const;
  const { y } = tishby12Arrays();
  const a = loadTishby12(spec, 1);
  assert.equal(a.nTrain, 3277);
  assert.equal(a.nTest, 819);
  // every row appears exactly once across train and test, with its own label
  const seen = new Uint8Array(4096);
  const visit = (xs: Float32Array, ys: Int32Array, n: number) => {
    for (let k = 0; k < n; k++) {
      const i = parseInt(rowKey(xs, k), 2);
      seen[i]++;
      assert.equal(ys[k], y[i], `label of row ${i}`);
    }
  };
  visit(a.xTrain, a.yTrain, a.nTrain);
  visit(a.xTest, a.yTest, a.nTest);
  assert.ok(seen.every((c) => c === 1));
  // not the binary order
  assert.notDeepEqual(a.xTrain.subarray(0, 120), tishby12Arrays().x.subarray(0, 120));
  // same seed, same split; another seed, another split
  const again = await loadDataset(spec, 1);
  assert.deepEqual(again.xTrain, a.xTrain);
  const b = loadTishby12(spec, 2);
  assert.notDeepEqual(b.xTrain, a.xTrain);
  // probe stays all inputs in binary order
  assert.deepEqual(b.probe.x, tishby12Arrays().x);
  assert.equal(a.info.split, "random");
});

Deno.test("tishby12: a bad trainFraction is a config error", () => {
  for (const f of [0, -0.5, 1.5, 0.0001]) {
    assert.throws(
      () => loadTishby12({ name: "tishby12", split: "reference", trainFraction: f }, 0),
      (e: unknown) => e instanceof LensError && e.field === "data.trainFraction",
    );
  }
});
