/**
 * `lens features` end to end (cli/features.ts, cli/feature_inputs.ts): .npy
 * and .npz files written here, the command run as a child process, its
 * stored records equal to what `analyzeFeatures` gives in this process on
 * the same arrays, and bad inputs rejected with exit code 2 and a message
 * naming the file and array.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { setWasmPaths } from "../deps/tensorflow_tfjs_backend_wasm.ts";
import { writeNpy } from "../core/data/npy.ts";
import { writeNpz } from "../core/data/npz.ts";
import { openStore } from "../core/store.ts";
import { formatComplexityTable, meanCell } from "../plugins/complexity/complexity_table.ts";
import { parseSource } from "../cli/feature_inputs.ts";
import { syntheticTask } from "../plugins/complexity/synthetic_task.ts";
import { analyzeFeatures } from "../plugins/complexity/user_features.ts";
import { lens } from "./cli_helpers.ts";

setWasmPaths(
  new URL(
    "./",
    import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/tfjs-backend-wasm.wasm"),
  )
    .href,
);
await tf.setBackend("wasm");

const task = syntheticTask({
  seed: 7,
  inDim: 5,
  hidden: [10, 6],
  classes: 3,
  nTrain: 160,
  nTest: 80,
});
const d = task.dataset;
const fTrain = (await task.model.capture(d.xTrain, d.nTrain)).get("dense_2")!.data;
const fTest = (await task.model.capture(d.xTest, d.nTest)).get("dense_2")!.data;
const peer = Float32Array.from(fTrain, (v, i) => v + 0.1 * Math.sin(i));
const f4 = (shape: number[], data: Float32Array) => ({ dtype: "f4" as const, shape, data });
const i4 = (data: Int32Array) => ({ dtype: "i4" as const, shape: [data.length], data });

async function withFiles(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-features-" });
  try {
    // Training split as separate .npy files, the test split as one .npz.
    writeNpy(`${dir}/x.npy`, f4([d.nTrain, 5], d.xTrain));
    writeNpy(`${dir}/f.npy`, f4([d.nTrain, 6], fTrain));
    writeNpy(`${dir}/y.npy`, i4(d.yTrain));
    writeNpz(`${dir}/test.npz`, {
      x: f4([d.nTest, 5], d.xTest),
      f: f4([d.nTest, 6], fTest),
      y: i4(d.yTest),
    });
    writeNpz(`${dir}/peers.npz`, { h: f4([d.nTrain, 6], peer) });
    // The layer above dense_2 (6 -> 3), numpy layout [in, out].
    writeNpz(`${dir}/upper.npz`, {
      W1: f4([6, 3], task.params.w[2]),
      b1: f4([3], task.params.b[2]),
    });
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const OPTS = ["--orders", "2", "--width", "8", "--epochs", "3", "--batch-size", "32"];

Deno.test("lens features stores what analyzeFeatures gives, with every analysis", async () => {
  await withFiles(async (dir) => {
    const db = `${dir}/runs.db`;
    const r = await lens([
      "features",
      "--x",
      `${dir}/x.npy`,
      "--f",
      `${dir}/f.npy`,
      "--y",
      `${dir}/y.npy`,
      "--test",
      `${dir}/test.npz`,
      "--upper",
      `${dir}/upper.npz`,
      "--peer",
      `${dir}/peers.npz:h`,
      "--threshold",
      "0.01",
      "--layer",
      "dense_2",
      "--db",
      db,
      ...OPTS,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /feature dense_2 \(1 seed\)/);
    assert.match(r.stdout, /order\s+rho\s+var_phi/);
    const want = await analyzeFeatures({
      inDim: 5,
      dim: 6,
      train: { x: d.xTrain, f: fTrain, y: d.yTrain, n: d.nTrain },
      test: { x: d.xTest, f: fTest, y: d.yTest, n: d.nTest },
      upper: { path: `${dir}/upper.npz`, activation: "relu", layout: "in_out" },
      peers: [peer],
      layer: "dense_2",
      options: {
        disentangle: { orders: 2, width: 8, epochs: 3, batchSize: 32 },
        reliability: { threshold: 0.01 },
        shapley: { baseline: "zero", residual: false },
      },
    });
    const store = openStore(db);
    try {
      const [run] = store.listRuns();
      assert.equal(run.status, "completed");
      assert.equal(run.engine, "features");
      const got = store.queryResults(run.id);
      assert.equal(got.length, want.length);
      const key = (x: { plugin: string; metric: string; index: number }) =>
        `${x.plugin}/${x.metric}/${x.index}`;
      const wanted = new Map(want.map((w) => [key(w), w.value]));
      for (const g of got) {
        assert.ok(wanted.has(key(g)), `unexpected ${key(g)}`);
        const v = wanted.get(key(g))!;
        assert.ok(
          Math.abs(g.value - v) <= 1e-6 * (1 + Math.abs(v)),
          `${key(g)}: ${g.value} vs ${v}`,
        );
      }
      const plugins = new Set(got.map((g) => g.plugin));
      for (
        const p of [
          "disentangle",
          "reliability",
          "shapley-effectiveness",
          "shapley-overfitting",
          "boost",
        ]
      ) {
        assert.ok(plugins.has(p), p);
      }
      // boost index 0 is the network itself: its test accuracy on the labels it assigned is 1
      // up to label ties, computed here independently.
      const acc = got.find((g) =>
        g.plugin === "boost" && g.metric === "test_accuracy" &&
        g.index === 0
      )!.value;
      assert.equal(acc, 1);
    } finally {
      store.close();
    }
  });
});

Deno.test("lens features: bad inputs name the file and array, exit 2, no run stored", async () => {
  await withFiles(async (dir) => {
    const db = `${dir}/runs.db`;
    const base = ["features", "--db", db, ...OPTS];
    const train = ["--x", `${dir}/x.npy`, "--f", `${dir}/f.npy`, "--y", `${dir}/y.npy`];
    writeNpy(`${dir}/f_short.npy`, f4([d.nTrain - 1, 6], fTrain.subarray(6)));
    const nan = Float32Array.from(fTrain);
    nan[13] = NaN;
    writeNpy(`${dir}/f_nan.npy`, f4([d.nTrain, 6], nan));
    writeNpz(`${dir}/test_wide.npz`, {
      x: f4([d.nTest / 2, 5], d.xTest.subarray(0, (d.nTest / 2) * 5)),
      f: f4([d.nTest / 2, 12], fTest),
      y: i4(d.yTest.subarray(0, d.nTest / 2)),
    });
    writeNpz(`${dir}/upper2.npz`, {
      W1: f4([6, 2], task.params.w[2].subarray(0, 12)),
      b1: f4([2], new Float32Array(2)),
    });
    const cases: [string[], RegExp][] = [
      [
        ["--x", `${dir}/x.npy`, "--f", `${dir}/f_short.npy`, "--y", `${dir}/y.npy`],
        /f_short\.npy: has 159 rows but .*x\.npy has 160 \(expected 160 rows/,
      ],
      [
        ["--x", `${dir}/x.npy`, "--f", `${dir}/f_nan.npy`, "--y", `${dir}/y.npy`],
        /f_nan\.npy: array: element 13 is NaN/,
      ],
      [[...train, "--test", `${dir}/test_wide.npz`], /test_wide\.npz: f: has 12 values per row/],
      [[...train, "--x-test", `${dir}/test.npz:x`], /missing --f-test/],
      [[...train, "--test", `${dir}/test.npz:y`], /--test must be an \.npz/],
      [[...train, "--peer", `${dir}/peers.npz`], /peers\.npz: f: no array named "f"/],
      [
        [...train, "--upper", `${dir}/upper2.npz`],
        /y\.npy: label \d+ is 2 but the upper network has 2 outputs/,
      ],
      [
        [...train, "--upper", `${dir}/upper.npz`, "--layout", "out_in"],
        /upper\.npz: W1: W1 takes 3 inputs/,
      ],
      [["--x", `${dir}/nothing.npy`, "--f", `${dir}/f.npy`, "--y", `${dir}/y.npy`], /nothing\.npy/],
      [[], /missing the training split/],
    ];
    const results = await Promise.all(cases.map(([args]) => lens([...base, ...args])));
    results.forEach((r, i) => {
      assert.equal(r.code, 2, `case ${i}: ${r.stderr}`);
      assert.match(r.stderr, cases[i][1], `case ${i}: ${r.stderr}`);
      assert.ok(!/^\s+at .+:\d+:\d+/m.test(r.stderr), `stack trace in case ${i}`);
    });
    assert.ok(!existsSync(db), "no database for rejected inputs");
  });
});

Deno.test("parseSource and the complexity table: mean ± sd over seeds", () => {
  assert.deepEqual(parseSource("a/t.npz:feat", "f"), { file: "a/t.npz", name: "feat" });
  assert.deepEqual(parseSource("a/t.npz", "x"), { file: "a/t.npz", name: "x" });
  assert.deepEqual(parseSource("f.npy", "f"), { file: "f.npy", name: "" });
  assert.equal(meanCell([0.5]), "0.5");
  // mean 2, sample sd 1
  assert.equal(meanCell([1, 2, 3]), "2±1");
  const rec = (seed: number, metric: string, index: number, value: number) => ({
    plugin: "disentangle",
    layer: "dense_3",
    epoch: 0,
    seed,
    index,
    metric,
    value,
  });
  const table = formatComplexityTable([
    rec(0, "rho", 1, 0.4),
    rec(1, "rho", 1, 0.6),
    rec(0, "var_f", 0, 2),
    { ...rec(0, "var_phi", 1, 0.9), plugin: "reliability" },
  ]);
  assert.match(table, /feature dense_3 \(2 seeds\)/);
  assert.match(table, /^\s*1\s+0\.5±0\.141$/m);
  assert.ok(!/var_phi/.test(table), "reliability's var_phi is not disentangle's");
});
