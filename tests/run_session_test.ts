/**
 * The one run session (core/run_session.ts): a feature run stopped mid-way
 * reads interrupted with what its plugins emitted before the stop; a
 * failing plugin fails a feature run and keeps the earlier records; a
 * completed run gets its seed aggregates; and no command, server route or
 * source opens or closes a run anywhere else.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { analyzeFeature } from "../core/analyze_features.ts";
import { LensError } from "../core/errors.ts";
import { createRegistry } from "../core/registry.ts";
import { hostRun } from "../core/run_session.ts";
import { openStore } from "../core/store/sqlite.ts";
import type { FeatureEvent, Plugin, Store } from "../core/types.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** A plugin that emits one record (value: the feature's dim) per `feature` event, then runs `after`. */
function featurePlugin(id: string, after: () => void = () => {}): Plugin {
  return {
    id,
    description: id,
    options: {},
    consumes: ["feature"],
    emits: [{ name: "m", description: "m" }],
    setup: (ctx) => ({
      feature: (e: FeatureEvent) => {
        ctx.emit([{ layer: e.layer, epoch: e.epoch, seed: e.seed, metric: "m", value: e.dim }]);
        after();
      },
    }),
  };
}

const EVENT: FeatureEvent = {
  seed: 3,
  epoch: 7,
  layer: "h",
  inDim: 2,
  dim: 5,
  train: { x: new Float32Array(4), f: new Float32Array(10), y: new Int32Array(2), n: 2 },
  peers: [],
};

async function withStore(work: (store: Store) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-session-" });
  const store = openStore(join(dir, "runs.db"));
  try {
    await work(store);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a feature run stopped mid-way reads interrupted, with the records emitted before the stop", async () => {
  await withStore(async (store) => {
    const stop = new AbortController();
    const registry = createRegistry([
      featurePlugin("first", () => stop.abort()),
      featurePlugin("second"),
    ]);
    const outcome = await analyzeFeature({
      name: "stopped",
      event: EVENT,
      plugins: [{ id: "first", options: {} }, { id: "second", options: {} }],
      store,
      registry,
      source: { kind: "features" },
      backend: "none",
      signal: stop.signal,
    });
    assert.equal(outcome.status, "interrupted");
    const row = store.getRun(outcome.runId)!;
    assert.equal(row.status, "interrupted");
    assert.equal(row.engine, "features");
    assert.deepEqual(row.seeds, [3]);
    const records = store.queryResults(outcome.runId).map((r) => [r.plugin, r.seed, r.value]);
    // "second" never got the event: the stop came first
    assert.deepEqual(records, [["first", 3, 5]]);
  });
});

Deno.test("with onStop the run is closed interrupted the moment the stop comes, not when the source returns", async () => {
  await withStore(async (store) => {
    const stop = new AbortController();
    const seen: string[] = [];
    const registry = createRegistry([
      featurePlugin("first", () => {
        stop.abort();
        // the handler still holds the thread: the row is written already
        seen.push(`row ${store.listRuns()[0].status}`);
      }),
    ]);
    const outcome = await analyzeFeature({
      name: "closed at once",
      event: EVENT,
      plugins: [{ id: "first", options: {} }],
      store,
      registry,
      source: {},
      backend: "none",
      signal: stop.signal,
      onStop: (o) => seen.push(`onStop ${o.status} ${store.queryResults(o.runId).length}`),
    });
    assert.deepEqual(seen, ["onStop interrupted 1", "row interrupted"]);
    assert.equal(outcome.status, "interrupted");
    assert.equal(store.getRun(outcome.runId)!.status, "interrupted");
  });
});

Deno.test("a plugin that throws fails a feature run: its error is rethrown and stored, earlier records kept", async () => {
  await withStore(async (store) => {
    const registry = createRegistry([
      featurePlugin("first"),
      featurePlugin("broken", () => {
        throw new LensError("no peers here", { code: "plugin", field: "peers" });
      }),
    ]);
    await assert.rejects(
      () =>
        analyzeFeature({
          name: "broken",
          event: EVENT,
          plugins: [{ id: "first", options: {} }, { id: "broken", options: {} }],
          store,
          registry,
          source: {},
          backend: "none",
        }),
      /no peers here/,
    );
    const [row] = store.listRuns();
    assert.equal(row.status, "failed");
    assert.match(row.error ?? "", /no peers here/);
    const plugins = store.queryResults(row.id).map((r) => r.plugin);
    assert.deepEqual(plugins, ["first", "broken"]);
  });
});

Deno.test("a completed run gets its seed aggregates; an interrupted one does not", async () => {
  await withStore(async (store) => {
    const registry = createRegistry([featurePlugin("p")]);
    const resolved = registry.resolve([{ id: "p", options: {} }]);
    const open = { name: "two seeds", config: {}, seeds: [0, 1], backend: "none", engine: "test" };
    for (const status of ["completed", "interrupted"] as const) {
      const outcome = await hostRun(
        { store, open, resolved, log: () => {} },
        async ({ host, timings }) => {
          timings.source_s = 1;
          await host.dispatch("feature", { ...EVENT, seed: 0, dim: 2 });
          await host.dispatch("feature", { ...EVENT, seed: 1, dim: 6 });
          return status;
        },
      );
      const row = store.getRun(outcome.runId)!;
      assert.equal(row.status, status);
      assert.equal(row.timings.source_s, 1);
      assert.ok(row.timings.total_s >= 0 && "plugin:p_s" in row.timings);
      const mean = store.queryResults(outcome.runId, { metric: "m_mean" });
      if (status === "completed") {
        assert.deepEqual(mean.map((r) => [r.seed, r.value]), [[-1, 4]]);
      } else {
        assert.equal(mean.length, 0);
      }
    }
  });
});

/** The .ts files under `dir`, recursively. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return tsFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

Deno.test("runs are opened and closed in core/run_session.ts only", () => {
  // Store implementations and wrappers pass the calls on; they open no run of their own.
  const wrappers = new Set(["cli/lazy_store.ts", "core/queue/shared_run_store.ts"]);
  const callers: string[] = [];
  for (const dir of ["cli", "core", "server", "plugins"]) {
    for (const path of tsFiles(join(ROOT, dir))) {
      const file = relative(ROOT, path).replaceAll("\\", "/");
      if (file.startsWith("core/store/") || wrappers.has(file)) continue;
      if (/\.(createRun|finishRun)\(/.test(readFileSync(path, "utf8"))) callers.push(file);
    }
  }
  assert.deepEqual(callers, ["core/run_session.ts"]);
});
