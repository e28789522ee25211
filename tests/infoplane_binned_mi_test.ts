/**
 * Binned mutual information (docs/methods.md section 2): the identities on the
 * 12-bit task, the bounds on random layers, a second (string-keyed)
 * implementation, numpy's value on a fixture, and H(T|X) for repeated
 * inputs.
 */
import assert from "node:assert/strict";
import { tishby12Arrays } from "../core/data/tishby12.ts";
import { createRng } from "../core/rng.ts";
import { binCodes } from "../plugins/infoplane/bin_codes.ts";
import { binnedMi } from "../plugins/infoplane/binned_mi.ts";
import { entropyBits } from "../plugins/infoplane/entropy.ts";
import { linspaceF32, referenceEdges } from "../plugins/infoplane/grid_edges.ts";
import { rowSymbols } from "../plugins/infoplane/row_symbols.ts";

const { x: X, y: Y } = tishby12Arrays();
const N = 4096;

/** H(Y) of the 12-bit labels from their count, by the formula. */
function labelEntropy(): number {
  const ones = Y.reduce((s, v) => s + v, 0);
  const p = ones / N;
  return -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}

function referenceMi(data: Float32Array, cols: number, labels = Y, numClasses = 2) {
  const codes = new Int32Array(data.length);
  binCodes(data, { kind: "edges", edges: referenceEdges() }, codes);
  return binnedMi(codes, data.length / cols, cols, labels, numClasses);
}

/** Entropies by a plain string-keyed Map: the second implementation. */
function naiveMi(codes: Int32Array, rows: number, cols: number, labels: Int32Array) {
  const h = (keys: string[]) => {
    const m = new Map<string, number>();
    for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
    let s = 0;
    for (const c of m.values()) s -= (c / keys.length) * Math.log2(c / keys.length);
    return s;
  };
  const keys: string[] = [];
  for (let r = 0; r < rows; r++) keys.push([...codes.subarray(r * cols, (r + 1) * cols)].join(","));
  const hT = h(keys);
  let hTY = 0;
  for (const cls of new Set(labels)) {
    const sub = keys.filter((_, i) => labels[i] === cls);
    hTY += (sub.length / rows) * h(sub);
  }
  return { ixt: hT, ity: hT - hTY };
}

Deno.test("12-bit task: T = X gives I(X;T) = 12 and I(T;Y) = H(Y) = 0.99916", () => {
  assert.equal(Y.reduce((s, v) => s + v, 0), 2118);
  const hY = labelEntropy();
  assert.ok(Math.abs(hY - 0.99916) < 5e-6, `H(Y) = ${hY}`);
  const r = referenceMi(X, 12);
  assert.ok(Math.abs(r.ixt - 12) < 1e-12, `I(X;T) = ${r.ixt}`);
  assert.ok(Math.abs(r.ity - hY) < 1e-12, `I(T;Y) = ${r.ity}`);
});

Deno.test("a constant layer gives I(X;T) = 0 and I(T;Y) = 0", () => {
  for (const v of [0, 0.5, -1, 1, 7]) {
    const r = referenceMi(new Float32Array(N * 4).fill(v), 4);
    assert.equal(r.ixt, 0);
    assert.equal(r.ity, 0);
  }
});

Deno.test("random layers: I(X;T) <= log2 N, I(T;Y) <= min(H(Y), I(X;T)), equal to a naive count", () => {
  const rng = createRng(11, "infoplane-test");
  const hY = labelEntropy();
  for (const [cols, scale] of [[1, 0.05], [2, 0.3], [3, 1], [5, 0.2], [10, 2]]) {
    const data = new Float32Array(N * cols);
    for (let i = 0; i < data.length; i++) data[i] = Math.tanh(scale * rng.normal());
    const codes = new Int32Array(data.length);
    binCodes(data, { kind: "edges", edges: referenceEdges() }, codes);
    const r = binnedMi(codes, N, cols, Y, 2);
    assert.ok(r.ixt <= Math.log2(N) + 1e-12);
    assert.ok(r.ity <= hY + 1e-12 && r.ity <= r.ixt + 1e-12 && r.ity >= 0);
    const naive = naiveMi(codes, N, cols, Y);
    assert.ok(Math.abs(r.ixt - naive.ixt) < 1e-9, `cols ${cols}: ${r.ixt} vs ${naive.ixt}`);
    assert.ok(Math.abs(r.ity - naive.ity) < 1e-9, `cols ${cols}: ${r.ity} vs ${naive.ity}`);
  }
});

Deno.test("binned MI equals the numpy peer's binned_mi on the fixture layer", () => {
  const f = JSON.parse(
    Deno.readTextFileSync(new URL("./fixtures/infoplane_digitize.json", import.meta.url)),
  ).mi as {
    rows: number;
    cols: number;
    values: number[];
    labels: number[];
    ixt: number;
    ity: number;
  };
  const r = referenceMi(new Float32Array(f.values), f.cols, new Int32Array(f.labels), 2);
  assert.ok(Math.abs(r.ixt - f.ixt) < 1e-12, `${r.ixt} vs numpy ${f.ixt}`);
  assert.ok(Math.abs(r.ity - f.ity) < 1e-12, `${r.ity} vs numpy ${f.ity}`);
});

Deno.test("row symbols: equal rows share an id, ids in order of first appearance", () => {
  const ids = new Int32Array(5);
  const n = rowSymbols(new Int32Array([3, -1, 0, 0, 3, -1, 2 ** 31 - 1, 5, 0, 0]), 5, 2, ids);
  assert.equal(n, 3);
  assert.deepEqual([...ids], [0, 1, 0, 2, 1]);
  // many rows, few symbols: 10 000 rows of 3 codes drawn from 0..4 -> at most 125 symbols
  const rows = 10000;
  const codes = new Int32Array(rows * 3);
  for (let i = 0; i < codes.length; i++) codes[i] = (i * 7919 + (i >> 3)) % 5;
  const many = new Int32Array(rows);
  const k = rowSymbols(codes, rows, 3, many);
  const seen = new Map<string, number>();
  for (let r = 0; r < rows; r++) {
    const key = codes.subarray(3 * r, 3 * r + 3).join(",");
    if (!seen.has(key)) seen.set(key, seen.size);
    assert.equal(many[r], seen.get(key));
  }
  assert.equal(k, seen.size);
  assert.equal(entropyBits(new Int32Array([2, 2]), 0, 1, 2, 4), 1);
  assert.equal(entropyBits(new Int32Array([0, 0]), 0, 1, 2, 0), 0);
});

/** row_symbols.ts's row hash, copied here to prove the data below holds a full 32-bit collision. */
function rowHash(codes: Int32Array, base: number, cols: number): number {
  let h = 0x811c9dc5 ^ cols;
  for (let k = 0; k < cols; k++) h = Math.imul(h ^ codes[base + k], 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

Deno.test("row symbols: distinct rows with equal 32-bit hashes keep distinct ids", () => {
  const rows = 200_000;
  const codes = new Int32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    codes[2 * r] = r;
    codes[2 * r + 1] = Math.imul(r, 0x9e3779b1) >>> 7;
  }
  const firstByHash = new Map<number, number>();
  let collisions = 0;
  for (let r = 0; r < rows; r++) {
    const h = rowHash(codes, 2 * r, 2);
    if (firstByHash.has(h)) collisions++;
    else firstByHash.set(h, r);
  }
  assert.ok(collisions > 0, "the test data must hold a hash collision");
  const ids = new Int32Array(rows);
  assert.equal(rowSymbols(codes, rows, 2, ids), rows);
  for (let r = 0; r < rows; r++) assert.equal(ids[r], r);
});

Deno.test("repeated inputs: I(X;T) = H(T) - H(T|X) with input ids", () => {
  // 4 distinct inputs, each twice. Deterministic rows: H(T|X) = 0, I(X;T) = H(T) = 2.
  const ids = new Int32Array([0, 0, 1, 1, 2, 2, 3, 3]);
  const labels = new Int32Array([0, 0, 0, 0, 1, 1, 1, 1]);
  const det = new Int32Array([0, 0, 1, 1, 2, 2, 3, 3]);
  const a = binnedMi(det, 8, 1, labels, 2, ids);
  assert.ok(Math.abs(a.ixt - 2) < 1e-12 && Math.abs(a.hT - 2) < 1e-12);
  assert.ok(Math.abs(a.ity - 1) < 1e-12);
  // noisy rows: each input's two copies land in different symbols (8 symbols):
  // H(T) = 3, H(T|X) = 1, I(X;T) = 2
  const noisy = new Int32Array([0, 1, 2, 3, 4, 5, 6, 7]);
  const b = binnedMi(noisy, 8, 1, labels, 2, ids);
  assert.ok(Math.abs(b.hT - 3) < 1e-12);
  assert.ok(Math.abs(b.ixt - 2) < 1e-12, `${b.ixt}`);
  // without ids every row counts as its own input
  assert.ok(Math.abs(binnedMi(noisy, 8, 1, labels, 2).ixt - 3) < 1e-12);
});

Deno.test("layer range grid: T = X binned on linspace(0, 1, 30) still gives (12, H(Y))", () => {
  const codes = new Int32Array(X.length);
  binCodes(X, { kind: "edges", edges: linspaceF32(0, 1, 30) }, codes);
  const r = binnedMi(codes, N, 12, Y, 2);
  assert.ok(Math.abs(r.ixt - 12) < 1e-12);
  assert.ok(Math.abs(r.ity - labelEntropy()) < 1e-12);
});
