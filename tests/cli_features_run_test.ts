/**
 * `lens features --run` end to end: a tiny 12-bit run (MLP, 20 epochs, 2
 * seeds, keep_models) trained here with the complexity plugins in the run,
 * then the command run as a child process on a layer of it. Its records
 * are the ones the plugins emitted in the run (same seeds, same options,
 * same features: the rebuilt network computes exactly what the trained
 * one did). Errors (no stored models, unknown layer, unknown run, bad
 * flags) exit 2 with a message and store nothing.
 */
import assert from "node:assert/strict";
import { parseConfig } from "../core/config.ts";
import { runExperiment } from "../core/engine.ts";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import type { ResultRecord } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { lens } from "./cli_helpers.ts";

/** Disentangler options of the plugins in the run and of the command. */
const D = { layer: "dense_2", orders: 2, width: 16, epochs: 10, batchSize: 128 };
const FLAGS = ["--orders", "2", "--width", "16", "--epochs", "10", "--batch-size", "128"];

const CONFIG = `
name: tiny
data: { name: tishby12 }
model: { type: mlp, hidden: [10, 7, 5], activation: tanh }
training: { epochs: 20, batch_size: 256, lr: 0.01 }
seeds: [0, 1]
keep_models: true
plugins:
  - { id: disentangle, options: ${JSON.stringify(D)} }
  - { id: reliability, options: ${JSON.stringify({ ...D, networks: 2 })} }
  - shapley-effectiveness
  - shapley-overfitting
  - boost
`;

const key = (r: Pick<ResultRecord, "plugin" | "metric" | "index">) =>
  `${r.plugin}/${r.metric}/${r.index}`;

Deno.test("lens features --run gives the records the plugins gave in the run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-features-run-" });
  try {
    const db = `${dir}/runs.db`;
    const store = openStore(db);
    let runId: string;
    let inRun: ResultRecord[];
    try {
      const config = parseConfig(CONFIG, "tiny.yaml");
      ({ runId } = await runExperiment({
        config,
        store,
        registry: createRegistry(builtinPlugins()),
      }));
      assert.deepEqual(store.getRun(runId)!.pluginErrors, []);
      inRun = store.queryResults(runId);
    } finally {
      store.close();
    }
    const r0 = await lens(["features", "--run", runId, "--layer", "dense_2", "--db", db, ...FLAGS]);
    assert.equal(r0.code, 0, r0.stderr);
    assert.match(r0.stdout, /feature dense_2 \(1 seed\)/);
    assert.match(r0.stdout, /dense_2 of seed 0 of run .* \(peers: seeds 1\)/);
    // seed 1 as the target, without peers, JSON output
    const r1 = await lens([
      "features",
      "--run",
      runId,
      "--run-seed",
      "1",
      "--layer",
      "dense_2",
      "--no-peers",
      "--format",
      "json",
      "--db",
      db,
      ...FLAGS,
    ]);
    assert.equal(r1.code, 0, r1.stderr);

    const after = openStore(db);
    try {
      const runs = after.listRuns().filter((r) => r.engine === "features");
      assert.equal(runs.length, 2);
      const bySeed = new Map(runs.map((r) => [r.seeds[0], r]));
      const run0 = bySeed.get(0)!;
      assert.equal(run0.name, "tiny-dense_2");
      assert.equal(run0.status, "completed");
      assert.equal((run0.config as { analyze: { run: string } }).analyze.run, runId);
      for (
        const [seed, plugins] of [
          [0, [
            "disentangle",
            "reliability",
            "shapley-effectiveness",
            "shapley-overfitting",
            "boost",
          ]],
          [1, ["disentangle", "shapley-effectiveness", "shapley-overfitting", "boost"]],
        ] as const
      ) {
        const got = after.queryResults(bySeed.get(seed)!.id);
        assert.deepEqual([...new Set(got.map((g) => g.plugin))].sort(), [...plugins].sort());
        const want = inRun.filter((w) =>
          w.seed === seed && (plugins as readonly string[]).includes(w.plugin)
        );
        assert.equal(got.length, want.length, `seed ${seed}: as many records as in the run`);
        const wanted = new Map(want.map((w) => [key(w), w]));
        for (const g of got) {
          const w = wanted.get(key(g));
          assert.ok(w, `seed ${seed}: unexpected ${key(g)}`);
          assert.equal(g.layer, "dense_2");
          assert.equal(g.epoch, 20, "the trained epochs, as in the run");
          // exactly: the same float32 parameters through the same kernels give the same
          // feature, and the disentanglers, g fits and Shapley games are seeded the same
          assert.equal(g.value, w.value, `seed ${seed} ${key(g)}: here vs in the run`);
        }
        // the numbers compared are real: rho per order shares the variance of f
        const rho = got.filter((g) => g.plugin === "disentangle" && g.metric === "rho");
        assert.equal(rho.length, 2);
        assert.ok(rho[0].value > 0 && rho[0].value <= 1.01, `rho(1) ${rho[0].value}`);
      }
      const json = JSON.parse(r1.stdout);
      assert.ok(JSON.stringify(json).includes("rho"));
    } finally {
      after.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("lens features --run: no models, unknown layer or run, bad flags exit 2", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-features-run-" });
  try {
    const db = `${dir}/runs.db`;
    const store = openStore(db);
    let kept: string, plain: string;
    try {
      // a run with stored models (tiny: 2 epochs) and one without
      const config = parseConfig(
        "name: k\nmodel: { hidden: [6, 4] }\ntraining: { epochs: 2 }\nseeds: 1\n" +
          "keep_models: true\nplugins: []",
        "k.yaml",
      );
      ({ runId: kept } = await runExperiment({
        config,
        store,
        registry: createRegistry(builtinPlugins()),
      }));
      plain = store.createRun({
        name: "plain",
        config: { ...config, keepModels: undefined },
        seeds: [0],
        backend: "wasm",
        engine: "fused",
        versions: {},
      });
      store.finishRun(plain, "completed", {});
    } finally {
      store.close();
    }
    const base = ["features", "--orders", "1", "--epochs", "1"];
    const cases: [string[], RegExp][] = [
      [
        ["--run", plain],
        new RegExp(`run ${plain} has no stored models; train it with keep_models: true`),
      ],
      [
        ["--run", kept, "--layer", "dense_9"],
        /has no hidden hook point "dense_9" \(expected one of dense_1, dense_2\)/,
      ],
      [["--run", kept, "--layer", "output"], /has no hidden hook point "output"/],
      [["--run", "nope"], /no run "nope"/],
      [
        ["--run", kept, "--run-seed", "3"],
        /has no stored model for seed 3 \(expected one of the stored seeds 0\)/,
      ],
      [
        ["--run", kept, "--x", "x.npy"],
        /--x is for a feature brought from elsewhere, not with --run/,
      ],
      [["--run", kept, "--db", `${dir}/none.db`], /none\.db: no such database/],
    ];
    for (const [args, re] of cases) {
      const r = await lens([...base, ...args, ...(args.includes("--db") ? [] : ["--db", db])]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(" "));
      assert.ok(!/^\s+at .+:\d+:\d+/m.test(r.stderr), `stack trace for ${args.join(" ")}`);
    }
    const after = openStore(db);
    try {
      assert.equal(after.listRuns().length, 2, "nothing stored for rejected requests");
    } finally {
      after.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
