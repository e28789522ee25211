/**
 * Features a user brings (plugins/complexity: user_features.ts,
 * upper_npz.ts, dense_handle.ts createUpperHandle): the same numbers as the
 * plugins on the network itself, and errors that name what is wrong.
 */
import { createArtifacts } from "../core/artifacts.ts";
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { setWasmPaths } from "../deps/tensorflow_tfjs_backend_wasm.ts";
import { writeNpz } from "../core/data/npz.ts";
import type { PluginContext, ResultInput } from "../core/types.ts";
import { boostPlugin } from "../plugins/complexity/boost_plugin.ts";
import { disentanglePlugin } from "../plugins/complexity/disentangle_plugin.ts";
import { shapleyEffectivenessPlugin } from "../plugins/complexity/shapley_effectiveness_plugin.ts";
import { shapleyOverfittingPlugin } from "../plugins/complexity/shapley_overfitting_plugin.ts";
import { syntheticTask } from "../plugins/complexity/synthetic_task.ts";
import { analyzeFeatures } from "../plugins/complexity/user_features.ts";

setWasmPaths(
  new URL(
    "./",
    import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/tfjs-backend-wasm.wasm"),
  )
    .href,
);
await tf.setBackend("wasm");

const task = syntheticTask({
  seed: 4,
  inDim: 5,
  hidden: [12, 8, 6],
  classes: 3,
  nTrain: 240,
  nTest: 120,
});
const d = task.dataset;
const fTrain = (await task.model.capture(d.xTrain, d.nTrain)).get("dense_2")!.data;
const fTest = (await task.model.capture(d.xTest, d.nTest)).get("dense_2")!.data;
const dis = { orders: 2, width: 12, epochs: 3, batchSize: 64, samples: 0, seed: 0 };
const sh = { baseline: "zero", residual: false, method: "auto", permutations: 50, seed: 0 };

async function pluginRecords(): Promise<Map<string, number>> {
  const records: [string, ResultInput][] = [];
  const artifacts = createArtifacts();
  const ctxFor = (id: string): PluginContext => ({
    runId: "t",
    emit: (rs) => void records.push(...rs.map((r) => [id, r] as [string, ResultInput])),
    results: () => [],
    log: () => {},
    artifacts,
  });
  const event = { seed: 0, epochs: 0, model: task.model, dataset: d };
  await (await disentanglePlugin.setup(ctxFor("disentangle"), { ...dis, layer: "dense_2" }))
    .train_end!(event);
  await (await shapleyEffectivenessPlugin.setup(ctxFor("shapley-effectiveness"), sh)).train_end!(
    event,
  );
  await (await shapleyOverfittingPlugin.setup(ctxFor("shapley-overfitting"), sh)).train_end!(event);
  await (await boostPlugin.setup(ctxFor("boost"), { components: [2] })).train_end!(event);
  return new Map(records.map(([id, r]) => [`${id}/${r.metric}/${r.index}`, r.value]));
}

Deno.test("analyzeFeatures with an upper .npz gives the plugins' numbers on the network itself", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // Layers above dense_2: 8 -> 6 (tanh) -> 3, stored PyTorch-style [out, in].
    const transpose = (w: Float32Array, fanIn: number, fanOut: number) =>
      Float32Array.from(
        { length: w.length },
        (_, i) => w[(i % fanIn) * fanOut + Math.floor(i / fanIn)],
      );
    const p = task.params;
    const path = `${dir}/upper.npz`;
    writeNpz(path, {
      W1: { dtype: "f4", shape: [6, 8], data: transpose(p.w[2], 8, 6) },
      b1: { dtype: "f4", shape: [6], data: p.b[2] },
      W2: { dtype: "f4", shape: [3, 6], data: transpose(p.w[3], 6, 3) },
      b2: { dtype: "f4", shape: [3], data: p.b[3] },
    });
    const records = await analyzeFeatures({
      inDim: 5,
      dim: 8,
      train: { x: d.xTrain, f: fTrain, y: d.yTrain, n: d.nTrain },
      test: { x: d.xTest, f: fTest, y: d.yTest, n: d.nTest },
      upper: { path, activation: "tanh", layout: "out_in" },
      layer: "dense_2",
      options: { disentangle: dis, shapley: sh, boost: { components: [2] } },
    });
    const want = await pluginRecords();
    assert.equal(records.length, want.size);
    for (const r of records) {
      const key = `${r.plugin}/${r.metric}/${r.index}`;
      assert.ok(want.has(key), `unexpected ${key}`);
      const v = want.get(key)!;
      assert.ok(Math.abs(r.value - v) <= 1e-6 * (1 + Math.abs(v)), `${key}: ${r.value} vs ${v}`);
      assert.equal(r.layer, "dense_2");
    }
    // The wrong layout is caught by the shape check (6 x 8 read as [in, out] takes 6 inputs).
    await assert.rejects(
      () =>
        analyzeFeatures({
          inDim: 5,
          dim: 8,
          train: { x: d.xTrain, f: fTrain, y: d.yTrain, n: d.nTrain },
          upper: { path, activation: "tanh" },
          options: { disentangle: { ...dis, orders: 1, epochs: 1 } },
        }),
      /upper\.npz: W1: W1 takes 6 inputs but the layer below has 8/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("analyzeFeatures: peers give reliability; malformed inputs name the array", async () => {
  const train = { x: d.xTrain, f: fTrain, y: d.yTrain, n: d.nTrain };
  const records = await analyzeFeatures({
    inDim: 5,
    dim: 8,
    train,
    peers: [fTrain, fTrain],
    // 8 dimensions on 240 samples: the automatic threshold (0.27) would be coarse.
    options: { disentangle: { ...dis, orders: 1, epochs: 10 }, reliability: { threshold: 0.01 } },
  });
  const reli = records.filter((r) => r.plugin === "reliability");
  assert.equal(reli.find((r) => r.metric === "networks")!.value, 3);
  assert.equal(reli.find((r) => r.metric === "threshold")!.value, 0.01);
  assert.ok(reli.find((r) => r.metric === "rho_reli" && r.index === 1)!.value > 0.95);
  assert.ok(!records.some((r) => r.plugin === "boost"), "no upper layers, no boost");
  await assert.rejects(
    () => analyzeFeatures({ inDim: 5, dim: 8, train: { ...train, f: fTrain.subarray(1) } }),
    /train\.f has 1919 values \(expected 240 x 8 values\)/,
  );
  const empty = { x: new Float32Array(0), f: new Float32Array(0), y: new Int32Array(0), n: 0 };
  await assert.rejects(
    () => analyzeFeatures({ inDim: 5, dim: 8, train: empty, peers: [new Float32Array(0)] }),
    /train has 0 samples \(expected at least one sample\)/,
  );
});
