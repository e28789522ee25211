/**
 * Sweeps in the API: runs named <sweep>/<variant> listed per sweep, grouped
 * by everything but the seed (name and seeds ignored, key order ignored),
 * and each run's row of the comparison table as `lens sweep` computes it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { createApp } from "../server/app.ts";
import { canonical, groupRuns, sweepOf } from "../server/sweep_groups.ts";
import { writeSyntheticRun } from "./server_synthetic_run.ts";

Deno.test("sweep groups: everything but the name and the seeds", () => {
  assert.equal(sweepOf("depth/d-1"), "depth");
  assert.equal(sweepOf("plain"), undefined);
  assert.equal(sweepOf("/x"), undefined);
  assert.equal(canonical({ b: 1, a: [1, { d: 2, c: 3 }] }), '{"a":[1,{"c":3,"d":2}],"b":1}');
  const run = (id: string, name: string, config: Record<string, unknown>, seeds: number[]) => ({
    id,
    name,
    config: { name, seeds, ...config },
    seeds,
  });
  const groups = groupRuns([
    run("a", "s/v1", { model: { hidden: [3], act: "tanh" } }, [0, 1]),
    run("b", "s/v2", { model: { hidden: [4], act: "tanh" } }, [0]),
    run("c", "s/v1-again", { model: { act: "tanh", hidden: [3] } }, [2, 3, 4]),
  ] as never);
  assert.deepEqual(groups.map((g) => [g.variant, g.runIds, g.seeds]), [
    ["v1, v1-again", ["a", "c"], 5],
    ["v2", ["b"], 1],
  ]);
});

Deno.test("GET /api/sweeps and /api/sweeps/:name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-sweep-api-" });
  const store = openStore(join(dir, "runs.db"));
  try {
    const shape = { epochs: 200, points: 20, layers: 4 };
    writeSyntheticRun(store, { ...shape, seeds: 2 }, { id: "r1", name: "depth/d-1" });
    writeSyntheticRun(store, { ...shape, layers: 3, seeds: 1 }, { id: "r2", name: "depth/d-2" });
    writeSyntheticRun(store, { ...shape, seeds: 3 }, { id: "r3", name: "depth/d-1" });
    writeSyntheticRun(store, { ...shape, seeds: 1 }, { id: "r4", name: "alone" });
    const app = createApp({
      store,
      registry: createRegistry(builtinPlugins()),
      dbPath: join(dir, "runs.db"),
    });
    const list = await (await app.request("/api/sweeps")).json();
    assert.deepEqual(list, { sweeps: [{ name: "depth", runs: 3 }] });
    const res = await app.request("/api/sweeps/depth?loss_threshold=0.2");
    assert.equal(res.status, 200);
    const body = await res.json();
    assert.deepEqual(
      body.groups.map((g: { variant: string; runIds: string[]; seeds: number }) => [
        g.variant,
        g.runIds,
        g.seeds,
      ]),
      [["d-1", ["r1", "r3"], 5], ["d-2", ["r2"], 1]],
    );
    assert.deepEqual(body.rows.map((r: { runId: string }) => r.runId), ["r1", "r2", "r3"]);
    const r1 = body.rows[0];
    assert.equal(r1.lossThreshold, 0.2);
    assert.equal(r1.epochs, 200);
    // the synthetic loss at the last epoch: 0.69 e^-3 + 0.02 plus a jitter within 0.005
    assert.ok(Math.abs(r1.trainLoss - (0.69 * Math.exp(-3) + 0.02)) < 0.006, String(r1.trainLoss));
    const plane = (row: { columns: { id: string; values: Record<string, unknown> }[] }) =>
      row.columns.find((c) => c.id === "information-plane:mi-binned")!.values;
    assert.equal(plane(r1).layer, "dense_3");
    assert.deepEqual(body.columns.map((c: { id: string }) => c.id), [
      "information-plane:mi-binned",
    ]);
    // with the seed aggregates a finished run stores, the same row from 1/10 of the records
    const { aggregateSeeds } = await import("../core/aggregate.ts");
    store.appendResults("r3", aggregateSeeds(store.queryResults("r3")));
    const again = await (await app.request("/api/sweeps/depth?loss_threshold=0.2")).json();
    const before = body.rows[2], after = again.rows[2];
    for (const k of ["epochs", "thresholdEpoch"]) assert.equal(after[k], before[k], k);
    for (const k of ["ixtPeakEpoch", "planeEpoch", "layer"]) {
      assert.equal(plane(after)[k], plane(before)[k], k);
    }
    for (const k of ["ixtPeak", "ixtLast", "ityLast"]) {
      const [a, b] = [plane(after)[k] as number, plane(before)[k] as number];
      assert.ok(Math.abs(a - b) < 1e-9, `${k} ${a} ${b}`);
    }
    for (const k of ["trainLoss", "testAccuracy"]) {
      assert.ok(Math.abs(after[k] - before[k]) < 1e-9, `${k} ${after[k]} ${before[k]}`);
    }
    // a run's own row comes with its training curves
    const t = await (await app.request("/api/runs/r1/training")).json();
    assert.equal(t.headline.runId, "r1");
    assert.equal(plane(t.headline).layer, "dense_3");
    assert.deepEqual(t.headlineColumns.map((c: { id: string }) => c.id), [
      "information-plane:mi-binned",
    ]);
    assert.equal((await app.request("/api/sweeps/nope")).status, 404);
    assert.equal((await app.request("/api/sweeps/depth?loss_threshold=x")).status, 400);
    assert.equal((await app.request("/api/sweeps/depth?bogus=1")).status, 400);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
