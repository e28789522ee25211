/**
 * `lens sweep` as a child process (`deno run -A cli/main.ts sweep ...`): a
 * tiny sweep of two variants trains two stored runs whose configs carry the
 * overrides, and the comparison table (text and JSON) agrees with the
 * epoch rows and records read back from the database; a bad variant exits 2
 * naming the file, the variant and the field, and writes nothing.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { openStore } from "../core/store.ts";
import type { RunConfig } from "../core/types.ts";
import type { SweepRow } from "../cli/sweep_summary.ts";
import { lens, withDir } from "./cli_helpers.ts";

const SWEEP = `name: tiny
base:
  training: { epochs: 50 }
  schedule: { type: every, every: 1 }
  seeds: 3
  plugins: [mi-binned]
loss_threshold: 10 # any loss of a 2-class softmax is below: the first epoch, 0
variants:
  - { name: narrow, model: { hidden: [4] } }
  - { name: deep, model: { hidden: [6, 3] }, training: { lr: 0.01 } }
`;

Deno.test("sweep: two variants become two runs; the table matches the database", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "tiny.yaml"), SWEEP);
    const db = join(dir, "s.db");
    const r = await lens(
      ["sweep", "tiny.yaml", "--epochs", "20", "--seeds", "1", "--db", db, "--format", "json"],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /variant 1\/2 narrow/);
    const out = JSON.parse(r.stdout) as { sweep: string; rows: SweepRow[] };
    assert.equal(out.sweep, "tiny");
    assert.deepEqual(out.rows.map((x) => x.variant), ["narrow", "deep"]);
    const store = openStore(db);
    try {
      const runs = store.listRuns();
      assert.equal(runs.length, 2);
      for (const row of out.rows) {
        const run = store.getRun(row.runId)!;
        assert.equal(run.name, `tiny/${row.variant}`);
        assert.equal(run.status, "completed");
        const c = run.config as RunConfig;
        // flags override every variant; the variant's own fields are kept
        assert.equal(c.training.epochs, 20);
        assert.deepEqual(c.seeds, [0]);
        assert.deepEqual(
          c.model.type === "mlp" && c.model.hidden,
          row.variant === "narrow" ? [4] : [6, 3],
        );
        assert.equal(c.training.lr, row.variant === "deep" ? 0.01 : 0.0004);
        assert.equal(row.seeds, 1);
        assert.equal(row.epochs, 20);
        // every epoch is sampled and stored: the last row is epoch 19
        const rows = store.epochsSince(row.runId, 0);
        assert.equal(rows.length, 20);
        const last = rows.find((e) => e.epoch === 19)!;
        assert.ok(Math.abs(row.trainLoss - last.loss) < 1e-12);
        assert.ok(Math.abs(row.trainAccuracy - last.accuracy) < 1e-12);
        assert.ok(Math.abs(row.testLoss - last.testLoss!) < 1e-12);
        const minTest = Math.min(...rows.map((e) => e.testLoss!));
        assert.ok(Math.abs(row.testLossMin - minTest) < 1e-12);
        assert.equal(row.thresholdEpoch, 0);
        assert.equal(row.thresholdReached, 1);
        // the last hidden layer and its last point, from the stored records
        // the information plane's columns (declared by mi-binned) in the JSON row
        const path = row.columns.find((c) => c.id === "information-plane:mi-binned")!.values as {
          layer: string;
          ixtLast: number;
          ityLast: number;
          ixtPeak: number;
          planeEpoch: number;
        };
        assert.equal(path.layer, row.variant === "narrow" ? "dense_1" : "dense_2");
        const mi = store.queryResults(row.runId, { plugin: "mi-binned", layer: path.layer });
        const at = (metric: string, epoch: number) =>
          mi.find((x) => x.metric === metric && x.epoch === epoch && x.seed === 0)!.value;
        assert.ok(Math.abs(path.ixtLast - at("ixt", 19)) < 1e-12);
        assert.ok(Math.abs(path.ityLast - at("ity", 19)) < 1e-12);
        const ixts = mi.filter((x) => x.metric === "ixt").map((x) => x.value);
        assert.ok(Math.abs(path.ixtPeak - Math.max(...ixts)) < 1e-12);
        assert.ok(path.ixtLast <= 12 + 1e-9 && path.ityLast <= 1 + 1e-9);
        assert.ok(path.planeEpoch >= 0 && path.planeEpoch <= 19);
      }
    } finally {
      store.close();
    }
    // the text table names every variant; --variants runs only some
    const t = await lens(
      [
        "sweep",
        "tiny.yaml",
        "--epochs",
        "3",
        "--seeds",
        "1",
        "--db",
        db,
        "--variants",
        "deep",
        "--quiet",
      ],
      dir,
    );
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /^sweep tiny/);
    assert.match(t.stdout, /\ndeep +1 +3 /);
    assert.ok(!t.stdout.includes("narrow"));
    const unknown = await lens(["sweep", "tiny.yaml", "--variants", "wide", "--db", db], dir);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no variant "wide"/);
  }));

Deno.test("sweep: a bad variant exits 2 naming file, variant and field; nothing is written", () =>
  withDir(async (dir) => {
    const db = join(dir, "s.db");
    const cases: [string, RegExp][] = [
      [
        SWEEP.replace("hidden: [6, 3]", "hidden: [6, -3]"),
        /bad\.yaml: variants\[1\]\.model\.hidden\[1\]: must be an integer from 1 to 10000, got -3 \(variant "deep", line 10\)/,
      ],
      [
        SWEEP.replace("plugins: [mi-binned]", "plugins: [mi-bined]"),
        /variant "narrow".*unknown plugin "mi-bined"/,
      ],
      [SWEEP.replace("training: { lr: 0.01 }", "trainig: {}"), /variants\[1\]\.trainig/],
      // --set must match a plugin of some variant, and its value must be valid there
      [SWEEP + "#set disentangle.epochs=3", /--set disentangle\.epochs: the config has no plugin/],
      [SWEEP + "#set mi-binned.bins=-4", /mi-binned.*bins/],
    ];
    for (const [text, pattern] of cases) {
      await Deno.writeTextFile(join(dir, "bad.yaml"), text);
      const set = text.match(/#set (.+)$/)?.[1];
      const r = await lens(
        ["sweep", "bad.yaml", "--db", db, "--epochs", "2", ...(set ? ["--set", set] : [])],
        dir,
      );
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^error: /);
      assert.match(r.stderr, pattern);
      assert.ok(!/^\s+at .+:\d+:\d+/m.test(r.stderr), r.stderr);
      assert.equal(existsSync(db), false);
    }
  }));
