/**
 * Trained networks kept with a run (`keep_models: true`): the config
 * switch, the store's `models` table, the engine storing each seed's
 * parameters at train_end (both engines), and the network rebuilt from
 * the store (core/stored_model.ts) computing exactly the activations the
 * trained network computed on the same inputs.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { configToYaml, parseConfig } from "../core/config.ts";
import { runExperiment } from "../core/engine.ts";
import { LensError } from "../core/errors.ts";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import { restoreModel, storedSeeds } from "../core/stored_model.ts";
import type { ActivationCache, LayerParams, Plugin } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";

async function withDb(fn: (db: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-models-" });
  try {
    await fn(`${dir}/runs.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("keep_models: validated, false by default, read back from YAML", () => {
  assert.equal(parseConfig("{}", "a.yaml").keepModels, undefined);
  assert.equal(parseConfig("keep_models: false", "a.yaml").keepModels, undefined);
  const c = parseConfig("keep_models: true\nseeds: 2", "a.yaml");
  assert.equal(c.keepModels, true);
  assert.deepEqual(parseConfig(configToYaml(c), "a.yaml"), c);
  assert.throws(
    () => parseConfig("keep_models: yes please", "a.yaml"),
    (e) => e instanceof LensError && /keep_models: must be true or false/.test(e.message),
  );
  assert.throws(
    () => parseConfig("keep_model: true", "a.yaml"),
    (e) => e instanceof LensError && /did you mean "keep_models"/.test(e.message),
  );
});

Deno.test("store: saveModel / loadModel round trip, replace, seeds, errors", async () => {
  await withDb((db) => {
    const store = openStore(db);
    try {
      const id = store.createRun({
        name: "m",
        config: {},
        seeds: [3, 1],
        backend: "none",
        engine: "fused",
        versions: {},
      });
      const layer = (name: string, shape: number[], v: number): LayerParams => {
        const size = shape.reduce((a, b) => a * b, 1);
        return {
          name,
          kernelShape: shape,
          kernel: Float32Array.from({ length: size }, (_, i) => v + i / 7),
          bias: Float32Array.from({ length: shape[shape.length - 1] }, (_, i) => -v - i),
        };
      };
      const p3 = [layer("dense_1", [4, 3], 0.5), layer("output", [3, 2], 1.25)];
      assert.deepEqual(store.modelSeeds(id), []);
      assert.equal(store.loadModel(id, 3), undefined);
      store.saveModel(id, 3, p3);
      store.saveModel(id, 1, [layer("dense_1", [4, 3], 9), layer("output", [3, 2], 8)]);
      assert.deepEqual(store.modelSeeds(id), [1, 3]);
      assert.deepEqual(store.loadModel(id, 3), p3);
      // a second save of a seed replaces it (here: one layer fewer)
      const conv = [layer("conv_1", [3, 3, 1, 2], -2)];
      store.saveModel(id, 1, conv);
      assert.deepEqual(store.loadModel(id, 1), conv);
      // in the order of the run's seeds
      assert.deepEqual(storedSeeds(store, store.getRun(id)!), [3, 1]);
      assert.throws(() => store.saveModel("nope", 0, p3), /no run "nope"/);
      const bad = { ...p3[0], bias: new Float32Array(2) };
      assert.throws(() => store.saveModel(id, 3, [p3[1], bad]), /parameters 1 are not/);
      assert.deepEqual(store.loadModel(id, 3), p3, "a rejected save leaves the seed as it was");
      const plain = store.createRun({
        name: "p",
        config: {},
        seeds: [0],
        backend: "none",
        engine: "fused",
        versions: {},
      });
      assert.throws(
        () => storedSeeds(store, store.getRun(plain)!),
        new RegExp(`run ${plain} has no stored models; train it with keep_models: true`),
      );
    } finally {
      store.close();
    }
    return Promise.resolve();
  });
});

/** A plugin that keeps, at train_end, each seed's parameters and activations on `x`. */
function recorder(x: Float32Array, n: number) {
  const seen = new Map<number, { params: LayerParams[]; cache: ActivationCache }>();
  const plugin: Plugin = {
    id: "test-recorder",
    description: "keeps the trained networks' activations (test)",
    options: {},
    consumes: ["train_end"],
    emits: [],
    setup: () => ({
      train_end: async (e) => {
        seen.set(e.seed, { params: await e.model.params!(), cache: await e.model.capture(x, n) });
      },
    }),
  };
  return { plugin, seen };
}

for (const engine of ["fused", "tfjs"] as const) {
  Deno.test(`keep_models (${engine}): the rebuilt network captures what the trained one did`, async () => {
    await withDb(async (db) => {
      const config = parseConfig(
        `
name: keep-${engine}
data: { name: tishby12 }
model: { type: mlp, hidden: [10, 7, 5], activation: tanh }
training: { epochs: 20, batch_size: 256 }
seeds: [0, 4]
engine: ${engine}
keep_models: true
plugins: [test-recorder]
`,
        "keep.yaml",
      );
      const { loadTishby12 } = await import("../core/data/tishby12.ts");
      const probe = loadTishby12({ name: "tishby12", split: "reference", trainFraction: 0.8 }, 0)
        .probe;
      const rec = recorder(probe.x, probe.n);
      const store = openStore(db);
      try {
        const registry = createRegistry([...builtinPlugins(), rec.plugin]);
        const { runId, status } = await runExperiment({ config, store, registry });
        assert.equal(status, "completed");
        const run = store.getRun(runId)!;
        assert.equal(run.engine, engine);
        assert.deepEqual(storedSeeds(store, run), [0, 4]);
        for (const seed of [0, 4]) {
          const stored = store.loadModel(runId, seed)!;
          assert.deepEqual(
            stored.map((p) => [p.name, p.kernelShape]),
            [["dense_1", [12, 10]], ["dense_2", [10, 7]], ["dense_3", [7, 5]], ["output", [5, 2]]],
          );
          const trained = rec.seen.get(seed)!;
          assert.deepEqual(stored, trained.params, "the stored parameters are the trained ones");
          // trained, not the initialisation: the biases start at zero
          assert.ok(stored[0].bias.some((v) => v !== 0));
          const tensors = tf.memory().numTensors;
          const net = await restoreModel(store, run, seed);
          try {
            assert.equal(net.seed, seed);
            assert.equal(net.dataset.nTrain, 3277);
            const cache = await net.model.capture(probe.x, probe.n);
            assert.deepEqual([...cache.keys()], [...trained.cache.keys()]);
            for (const [name, a] of trained.cache) {
              const b = cache.get(name)!;
              assert.equal(b.rows, 4096);
              assert.equal(b.cols, a.cols);
              let maxDiff = 0;
              for (let i = 0; i < a.data.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a.data[i] - b.data[i]));
              }
              assert.equal(maxDiff, 0, `${engine} seed ${seed} ${name}: max |diff| ${maxDiff}`);
            }
            // the upper part too: forwardFrom(dense_2) of the captured dense_2 is the output
            const up = await net.model.forwardFrom("dense_2", cache.get("dense_2")!);
            const out = trained.cache.get("output")!;
            let maxDiff = 0;
            for (let i = 0; i < out.data.length; i++) {
              maxDiff = Math.max(maxDiff, Math.abs(up.data[i] - out.data[i]));
            }
            assert.ok(maxDiff < 1e-6, `forwardFrom: max |diff| ${maxDiff}`);
            assert.deepEqual(await net.model.params!(), stored);
          } finally {
            net.dispose();
          }
          assert.equal(tf.memory().numTensors, tensors, "the rebuilt network's tensors are freed");
        }
        await assert.rejects(
          () => restoreModel(store, run, 2),
          /has no stored model for seed 2 \(expected one of the stored seeds 0, 4\)/,
        );
      } finally {
        store.close();
      }
    });
  });
}
