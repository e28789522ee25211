/**
 * The 12-bit example configs say what their comments say: the authors' stored run
 * (examples/tishby12_authors.yaml), the 400-seed untrained check and the SNR sweep parse to the
 * protocol of docs/methods.md section 1, and the authors' config runs end to end at a few epochs.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig } from "../core/config.ts";
import { sampledEpochs } from "../core/schedule.ts";
import { openStore } from "../core/store.ts";
import { loadSweep } from "../core/sweep.ts";
import { lens, withDir } from "./cli_helpers.ts";

const ex = (f: string) => fileURLToPath(new URL(`../examples/${f}`, import.meta.url));

Deno.test("tishby12_authors.yaml: 10-7-5-4-4-3 tanh, full batch on 4096, 10000 epochs, 964 sampled, 50 edges, 20 seeds", async () => {
  const c = await loadConfig(ex("tishby12_authors.yaml"));
  assert.deepEqual(c.data, { name: "tishby12", split: "reference", trainFraction: 1 });
  assert.equal(c.model.type, "mlp");
  if (c.model.type !== "mlp") return;
  assert.deepEqual(c.model.hidden, [10, 7, 5, 4, 4, 3]);
  assert.equal(c.model.activation, "tanh");
  assert.equal(c.model.init, "reference");
  assert.deepEqual(
    [c.training.epochs, c.training.batchSize, c.training.lr, c.training.optimizer],
    [10000, 4096, 0.0002, "adam"],
  );
  const e = sampledEpochs(c.schedule, c.training.epochs);
  assert.deepEqual([e.length, e[e.length - 1]], [964, 9998]); // the stored job: 964, last 9998
  assert.equal(c.seeds.length, 20);
  assert.deepEqual(c.plugins, [{ id: "mi-binned", options: { bins: 50 } }]);
});

Deno.test("tishby12_untrained.yaml samples epoch 0 only, 400 seeds; the SNR sweep's variants", async () => {
  const u = await loadConfig(ex("tishby12_untrained.yaml"));
  assert.deepEqual(sampledEpochs(u.schedule, u.training.epochs), [0]);
  assert.equal(u.seeds.length, 400);
  const s = await loadSweep(ex("sweep_tishby12_snr.yaml"));
  assert.deepEqual(s.variants.map((v) => [v.name, v.config.training.shuffle]), [
    ["ref-fixed", false],
    ["ref-reshuffled", true],
    ["authors-fixed", false],
    ["authors-reshuffled", true],
  ]);
  for (const v of s.variants) {
    assert.equal(v.config.training.batchSize, 512);
    assert.deepEqual(v.config.plugins.map((p) => p.id), ["mi-binned", "grad-snr", "phases"]);
  }
  const a = s.variants[2].config;
  assert.equal(a.training.epochs, 10000);
  assert.equal(sampledEpochs(a.schedule, a.training.epochs).length, 964);
});

Deno.test("tishby12_authors.yaml runs (3 epochs, 2 seeds): no test set, mi-binned on 7 layers", async () => {
  await withDir(async (dir) => {
    const db = join(dir, "a.db");
    const r = await lens([
      "run",
      ex("tishby12_authors.yaml"),
      "--epochs",
      "3",
      "--seeds",
      "2",
      "--db",
      db,
    ]);
    assert.equal(r.code, 0, r.stderr);
    const store = openStore(db);
    try {
      const run = store.listRuns()[0];
      assert.equal(run.status, "completed");
      const ixt = store.queryResults(run.id, { plugin: "mi-binned", metric: "ixt" });
      // 7 hook points x 3 sampled epochs (0, 1, 2) x 2 seeds
      assert.equal(ixt.length, 7 * 3 * 2);
      // the first layer keeps every input apart with 50 edges: 12 bits
      for (const r of ixt.filter((r) => r.layer === "dense_1")) assert.equal(r.value, 12);
      assert.ok(store.epochsSince(run.id, 0).every((e) => e.testLoss === null));
    } finally {
      store.close();
    }
  });
});
