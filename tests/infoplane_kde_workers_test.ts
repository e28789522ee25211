/**
 * mi-kde with `workers` (kde_pool.ts): the same records as on the main
 * thread, bit for bit, through the handlers and through a short 12-bit run
 * of the engine; records owed arrive by train_end; the workers end at
 * run_end.
 */
import assert from "node:assert/strict";
import { configFromValue } from "../core/config.ts";
import { runExperiment } from "../core/engine.ts";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import type { ActivationCache, ResultInput } from "../core/types.ts";
import { createRng } from "../core/rng.ts";
import { miKdePlugin } from "../plugins/infoplane/mi_kde_plugin.ts";
import { liveKdeWorkers } from "../plugins/infoplane/kde_pool.ts";
import { fakeContext } from "./plugin_context.ts";

const key = (r: ResultInput) => `${r.seed} ${r.epoch} ${r.layer} ${r.metric}`;
const sorted = (rs: ResultInput[]) =>
  rs.map((r) => [key(r), r.value] as const).sort((a, b) => a[0] < b[0] ? -1 : 1);

Deno.test("mi-kde workers: the main thread's records, by train_end; ended at run_end", async () => {
  const rng = createRng(7, "kde-workers");
  const P = 200;
  const labels = new Int32Array(P).map(() => rng.int(2));
  const events = [0, 1, 2].map((epoch) => ({
    seed: 3,
    epoch,
    labels,
    numClasses: 2,
    cache: new Map([
      ["a", { data: new Float32Array(P * 5).map(() => Math.tanh(rng.normal())), rows: P, cols: 5 }],
      ["b", { data: new Float32Array(P * 2).map(() => rng.int(3) - 1), rows: P, cols: 2 }],
    ]) as ActivationCache,
  }));
  const main = fakeContext();
  const inMain = await miKdePlugin.setup(main.ctx, {});
  for (const e of events) await inMain.activations!(e);
  const par = fakeContext();
  const inPar = await miKdePlugin.setup(par.ctx, { workers: 3 });
  for (const e of events) await inPar.activations!(e);
  assert.equal(liveKdeWorkers(), 3);
  await inPar.train_end!({ seed: 3, epochs: 3 } as never);
  assert.deepEqual(sorted(par.records), sorted(main.records));
  assert.equal(par.records.length, 3 * 2 * 4);
  // the caller's arrays were copied, not handed over
  assert.equal(events[0].cache.get("a")!.data.length, P * 5);
  await inPar.run_end!({ runId: "test" });
  assert.equal(liveKdeWorkers(), 0);
});

Deno.test("mi-kde workers in a 12-bit run: the same stored records as on the main thread", async () => {
  const run = async (workers: number) => {
    // the config defaults are the 12-bit reference protocol
    const config = configFromValue({
      name: "kde-workers",
      training: { epochs: 12 },
      schedule: { type: "log", points: 4 },
      seeds: [0, 1],
      plugins: [{ id: "mi-kde", options: { workers, layers: ["dense_5", "output"] } }],
    }, "<test>");

    const store = openStore(":memory:");
    try {
      const out = await runExperiment({ config, store, registry: createRegistry([miKdePlugin]) });
      assert.equal(out.status, "completed");
      assert.deepEqual(out.pluginErrors, []);
      return store.queryResults(out.runId).filter((r) => r.plugin === "mi-kde");
    } finally {
      store.close();
    }
  };
  const a = await run(0), b = await run(2);
  assert.ok(a.length > 0);
  assert.deepEqual(sorted(b), sorted(a));
  assert.equal(liveKdeWorkers(), 0);
});
