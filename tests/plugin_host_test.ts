/**
 * The plugin host isolates plugins: a bad record, a throw or a handler that
 * never settles fails that plugin only (recorded, its earlier records
 * kept), and a stop request never waits on a plugin.
 */
import assert from "node:assert/strict";
import { createPluginHost } from "../core/plugin_host.ts";
import type { ResolvedPlugin } from "../core/registry.ts";
import type { Plugin, PluginInstance, ResultRecord, Store } from "../core/types.ts";

/** A store that keeps appended records and plugin errors in memory. */
function memoryStore(): Store & { records: ResultRecord[]; errors: [string, string][] } {
  const records: ResultRecord[] = [];
  const errors: [string, string][] = [];
  return {
    records,
    errors,
    appendResults: (_id: string, r: ResultRecord[]) => void records.push(...r),
    recordPluginError: (_id: string, plugin: string, message: string) =>
      void errors.push([plugin, message]),
  } as unknown as Store & { records: ResultRecord[]; errors: [string, string][] };
}

function plugin(id: string, setup: Plugin["setup"]): ResolvedPlugin {
  return {
    plugin: { id, description: id, options: {}, consumes: ["epoch_end"], emits: [], setup },
    options: {},
  };
}

const EVENT = { seed: 0, epoch: 3, sampled: true, loss: 0.5, accuracy: 1 };

Deno.test("a plugin emitting a bad record fails alone; its earlier records and the others' stay", async () => {
  const store = memoryStore();
  let calls = 0;
  const host = await createPluginHost({
    runId: "r",
    store,
    log: () => {},
    resolved: [
      plugin("good", (ctx) => ({
        epoch_end(e) {
          ctx.emit([{ layer: "l", epoch: e.epoch, seed: e.seed, metric: "m", value: 1 }]);
        },
      })),
      plugin("bad", (ctx) => ({
        epoch_end(e) {
          calls++;
          ctx.emit([{ layer: "l", epoch: e.epoch, seed: e.seed, metric: "m", value: 2 }]);
          ctx.emit([
            { layer: "l", epoch: e.epoch, seed: e.seed, metric: "m", value: 3 },
            {
              layer: "l",
              epoch: e.epoch,
              seed: e.seed,
              metric: "m",
              value: "str" as unknown as number,
            },
          ]);
          ctx.emit([{ layer: "l", epoch: e.epoch, seed: e.seed, metric: "m", value: 4 }]);
        },
      })),
    ],
  });
  await host.dispatch("epoch_end", EVENT);
  await host.dispatch("epoch_end", { ...EVENT, epoch: 4 });
  host.flush();
  assert.equal(calls, 1, "a failed plugin gets no more events");
  assert.deepEqual(store.records.map((r) => [r.plugin, r.epoch, r.value]), [
    ["good", 3, 1],
    ["bad", 3, 2],
    ["good", 4, 1],
  ]);
  assert.equal(store.errors.length, 1);
  assert.equal(store.errors[0][0], "bad");
  assert.match(store.errors[0][1], /value is "str", not a number/);
  assert.deepEqual(host.errors().map((e) => e.plugin), ["bad"]);
});

Deno.test("a handler that never settles fails its plugin after the timeout; the run goes on", async () => {
  const store = memoryStore();
  const seen: number[] = [];
  const host = await createPluginHost({
    runId: "r",
    store,
    log: () => {},
    timeoutS: 0.2,
    resolved: [
      plugin("hang", () => ({ epoch_end: () => new Promise<void>(() => {}) })),
      plugin("after", () => ({ epoch_end: (e) => void seen.push(e.epoch) })),
    ],
  });
  const t0 = performance.now();
  await host.dispatch("epoch_end", EVENT);
  await host.dispatch("epoch_end", { ...EVENT, epoch: 4 });
  const took = performance.now() - t0;
  assert.ok(took >= 190 && took < 2000, `${took} ms`);
  assert.deepEqual(seen, [3, 4]);
  assert.deepEqual(store.errors.map((e) => e[0]), ["hang"]);
  assert.match(store.errors[0][1], /epoch_end handler did not finish within 0\.2 s/);
});

Deno.test("a stop request ends the wait on a hung handler at once, without failing the plugin", async () => {
  const store = memoryStore();
  const controller = new AbortController();
  let entered = false;
  const host = await createPluginHost({
    runId: "r",
    store,
    log: () => {},
    signal: controller.signal,
    resolved: [
      plugin("hang", () => ({
        epoch_end: () => {
          entered = true;
          return new Promise<void>(() => {});
        },
      } as PluginInstance)),
    ],
  });
  setTimeout(() => controller.abort(), 50);
  const t0 = performance.now();
  await host.dispatch("epoch_end", EVENT);
  assert.ok(entered);
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(store.errors.length, 0);
});
