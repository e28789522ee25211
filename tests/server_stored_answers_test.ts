/**
 * Answers kept in the run store (server/stored_answers.ts,
 * core/store/sqlite_answers.ts): a server started later answers a
 * finished run's chart and training curves byte for byte as the first one
 * computed them, without reading the run's records; a record added to the
 * run, another layerlens version or another plugin set make it compute
 * anew; a busy database does not hold the answer up; deleting the run
 * drops its answers. prepareRunAnswers (where a run ends) leaves exactly the
 * answers the run page asks for first.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { aggregateSeeds } from "../core/aggregate.ts";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import type { Plugin, Store } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { createApp } from "../server/app.ts";
import { storedAnswers } from "../server/stored_answers.ts";
import { prepareRunAnswers } from "../server/prepare_answers.ts";
import { writeSyntheticRun } from "./server_synthetic_run.ts";

/** `store` with a count of the calls that read records or epochs. */
function counting(store: Store): { store: Store; reads: () => number } {
  let n = 0;
  const wrapped = new Proxy(store, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === "queryResults" || prop === "epochsSince" || prop === "resultGroups") {
        return (...args: unknown[]) => {
          n++;
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { store: wrapped, reads: () => n };
}

const CHART = "/api/runs/r/chart/mi-binned/infoplane";
const TRAINING = "/api/runs/r/training";

/** Runs `fn` with a new SQLite file's path in a temporary folder, removed after. */
async function withDb(fn: (dbPath: string) => void | Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-answers-" });
  try {
    await fn(join(dir, "runs.db"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function get(app: ReturnType<typeof createApp>, path: string): Promise<string> {
  const res = await app.request(path);
  assert.equal(res.status, 200, path);
  return await res.text();
}

Deno.test("stored answers: a later server answers from the store, until the run changes", async () => {
  const registry = createRegistry(builtinPlugins());
  await withDb(async (dbPath) => {
    const first = openStore(dbPath);
    writeSyntheticRun(first, { layers: 3, epochs: 60, points: 12, seeds: 3, gradients: true }, {
      id: "r",
    });
    first.appendResults("r", aggregateSeeds(first.queryResults("r")));
    const app1 = createApp({ store: first, registry, dbPath });
    const chart = await get(app1, CHART);
    const training = await get(app1, TRAINING);
    first.close();

    // a new server on the same file: the same bytes, no record read
    const later = counting(openStore(dbPath));
    const app2 = createApp({ store: later.store, registry, dbPath });
    assert.equal(await get(app2, CHART), chart);
    assert.equal(await get(app2, TRAINING), training);
    assert.equal(later.reads(), 0, "answered from the stored rows");

    // another plugin set (a custom plugin beside the built-ins): computed anew
    const extra: Plugin = {
      id: "extra",
      description: "a plugin with one chart",
      options: {},
      consumes: ["run_end"],
      emits: [{ name: "x", description: "x" }],
      setup: () => ({}),
    } as unknown as Plugin;
    const app3 = createApp({
      store: later.store,
      registry: createRegistry([...builtinPlugins(), extra]),
      dbPath,
    });
    assert.equal(await get(app3, CHART), chart, "the same numbers");
    assert.ok(later.reads() > 0, "computed for the other plugin set");

    // a record added to the run: the stored answer no longer counts
    const before = later.reads();
    later.store.appendResults("r", [
      {
        plugin: "mi-binned",
        layer: "dense_1",
        epoch: 59,
        seed: 0,
        index: 0,
        metric: "ixt",
        value: 0.5,
      },
    ]);
    const app4 = createApp({ store: later.store, registry, dbPath });
    await get(app4, CHART);
    assert.ok(later.reads() > before, "computed again after the run gained a record");

    // deleting the run drops its answers
    later.store.deleteRun!("r");
    const db = new DatabaseSync(dbPath);
    const left = db.prepare("SELECT count(*) AS n FROM chart_answers").get() as { n: number };
    db.close();
    assert.equal(left.n, 0);
    later.store.close();
  });
});

Deno.test("stored answers: the key names the plugin set; a busy database keeps nothing and waits little", async () => {
  await withDb((dbPath) => {
    const store = openStore(dbPath);
    writeSyntheticRun(store, { layers: 2, epochs: 20, points: 5, seeds: 2 }, { id: "r" });
    const plugins = builtinPlugins();
    const answers = storedAnswers(store, plugins);
    answers.put("r", "req", "{}");
    assert.equal(answers.get("r", "req"), "{}");
    assert.equal(answers.get("r", "other"), undefined);
    // the key names the plugins: without one of them nothing is found
    assert.equal(storedAnswers(store, plugins.slice(1)).get("r", "req"), undefined);

    // another connection holds the write lock: the answer is not kept, quickly, and no error
    const other = new DatabaseSync(dbPath);
    other.exec("BEGIN IMMEDIATE");
    const t0 = performance.now();
    assert.equal(store.storeAnswer!("r", "k2", "{}"), false);
    assert.ok(performance.now() - t0 < 2000, "not the 10 s busy wait");
    other.exec("ROLLBACK");
    other.close();
    assert.equal(store.storeAnswer!("r", "k2", "{}"), true);
    // an answer over the size limit is not kept
    assert.equal(store.storeAnswer!("r", "big", "x".repeat((8 << 20) + 1)), false);
    store.close();

    // a read-only store keeps nothing and says so by returning false
    const ro = openStore(dbPath, { readOnly: true });
    assert.equal(ro.storeAnswer!("r", "k3", "{}"), false);
    assert.equal(ro.storedAnswer!("r", "k2"), "{}");
    ro.close();
  });
});

Deno.test("prepareRunAnswers: the run page's first charts and training curves, read later without records", async () => {
  const registry = createRegistry(builtinPlugins());
  await withDb(async (dbPath) => {
    const store = openStore(dbPath);
    writeSyntheticRun(store, { layers: 3, epochs: 40, points: 8, seeds: 2, ibCurve: true }, {
      id: "r",
    });
    // plane, its two coordinates against epoch, the IB curve, the training curves
    assert.equal(await prepareRunAnswers({ store, registry, dbPath }, "r"), 5);
    store.close();
    const later = counting(openStore(dbPath));
    const app = createApp({ store: later.store, registry, dbPath });
    for (
      const path of [
        CHART,
        "/api/runs/r/chart/mi-binned/metric%3Aixt",
        "/api/runs/r/chart/mi-binned/metric%3Aity",
        "/api/runs/r/chart/ib-bound/ib-curve",
        TRAINING,
      ]
    ) await get(app, path);
    assert.equal(later.reads(), 0, "every first answer was kept");
    await get(app, "/api/runs/r/chart/mi-binned/metric%3Aixt?per_seed=1");
    assert.ok(later.reads() > 0, "others are computed when asked for");
    later.store.close();
  });
});
