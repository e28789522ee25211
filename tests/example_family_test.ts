/**
 * A plugin family presents itself with no change outside its own file
 * (examples/saturation_family.ts): its table appears in `lens show`, its
 * column in the `lens sweep` table, with numbers recomputed here from the
 * stored records; and cli/ names no built-in plugin id except in the
 * commands that choose which plugins to run.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadDataset } from "../core/data/load.ts";
import { openStore } from "../core/store.ts";
import type { RunConfig } from "../core/types.ts";
import type { SweepRow } from "../cli/sweep_summary.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { lens, withDir } from "./cli_helpers.ts";

const FAMILY = fileURLToPath(new URL("../examples/saturation_family.ts", import.meta.url));

const SWEEP = `name: sat
base:
  training: { epochs: 30 }
  schedule: { type: every, every: 3 }
  seeds: 2
  plugins: [mi-binned, saturation, label-ceiling]
variants:
  - { name: narrow, model: { hidden: [4] } }
  - { name: deep, model: { hidden: [6, 3] }, training: { lr: 0.01 } }
`;

Deno.test("example family: its table in lens show and its column in the sweep table", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "sat.yaml"), SWEEP);
    const db = join(dir, "s.db");
    const r = await lens(
      ["sweep", "sat.yaml", "--plugin", FAMILY, "--db", db, "--format", "json"],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { rows: SweepRow[] };
    const lastMean = new Map<string, number>();
    const store = openStore(db, { readOnly: true });
    try {
      for (const row of out.rows) {
        const cells = row.columns.find((c) => c.id === "saturation")!;
        const layer = row.variant === "narrow" ? "dense_1" : "dense_2";
        assert.equal(cells.values.layer, layer);
        // recomputed from the stored records: the seed mean at the last sampled epoch
        const recs = store.queryResults(row.runId, { plugin: "saturation", metric: "saturated" })
          .filter((x) => x.layer === layer && x.seed >= 0);
        const last = Math.max(...recs.map((x) => x.epoch));
        const at = recs.filter((x) => x.epoch === last);
        assert.equal(at.length, 2);
        const mean = (at[0].value + at[1].value) / 2;
        assert.ok(Math.abs(Number(cells.values.saturated) - mean) < 1e-12);
        assert.ok(mean >= 0 && mean <= 1);
        lastMean.set(row.variant, mean);
        // H(Y) of the probe labels, recomputed from the data set the run loaded
        const config = store.getRun(row.runId)!.config as RunConfig;
        const labels = (await loadDataset(config.data, config.seeds[0])).probe.y;
        const p1 = labels.reduce((a, y) => a + y, 0) / labels.length;
        const want = -(p1 * Math.log2(p1) + (1 - p1) * Math.log2(1 - p1));
        const hy = store.queryResults(row.runId, { plugin: "label-ceiling", metric: "hy" });
        assert.ok(Math.abs(hy[0].value - want) < 1e-12, `H(Y) ${hy[0].value} vs ${want}`);
        // the information plane's own columns are still there beside it
        assert.ok(row.columns.some((c) => c.id === "information-plane:mi-binned" && c.text));
      }
    } finally {
      store.close();
    }
    const text = await lens(["sweep", "sat.yaml", "--plugin", FAMILY, "--db", db], dir);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /saturated \(last layer\)/);

    const show = await lens(["show", out.rows[1].runId, "--db", db, "--plugin", FAMILY], dir);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /Saturated units \(fraction, mean over seeds\)/);
    const m = show.stdout.match(/dense_2 +epoch +0: \d\.\d{3} +epoch +29: (\d\.\d{3})/);
    assert.ok(m, show.stdout);
    assert.equal(m[1], lastMean.get("deep")!.toFixed(3));
    assert.match(show.stdout, /Information plane \(mi-binned/);
    // without the family's file its records are still counted, its table is not printed
    const bare = await lens(["show", out.rows[1].runId, "--db", db], dir);
    assert.match(bare.stdout, /saturation \d+/);
    assert.doesNotMatch(bare.stdout, /Saturated units/);
  }));

Deno.test("cli/ renders plugins generically: no built-in plugin id in its presentation code", () => {
  const ids = builtinPlugins().map((p) => p.id);
  const cliDir = fileURLToPath(new URL("../cli/", import.meta.url));
  // commands that choose which plugins to run (their defaults and fixed pipelines) may name them
  const choosers = new Set(["analyze.ts", "demo.ts", "features.ts"]);
  const offenders: string[] = [];
  for (const f of readdirSync(cliDir)) {
    if (!f.endsWith(".ts") || choosers.has(f)) continue;
    const code = readFileSync(join(cliDir, f), "utf8");
    for (const id of ids) if (code.includes(`"${id}"`)) offenders.push(`${f}: "${id}"`);
  }
  assert.deepEqual(offenders, []);
});
