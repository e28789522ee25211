/**
 * The example family (examples/saturation_family.ts) on the dashboard, with
 * no change outside its file: a run trained with it shows the family's own
 * tab with its chart (one line per hidden layer, the stored seed means), and
 * the information plane carries the family's overlay (the H(Y) ceiling at
 * the value label-ceiling stored).
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "../deps/playwright_core.ts";
import { openStore } from "../core/store.ts";
import { serve } from "../server/serve.ts";
import { labelCeilingPlugin, saturationPlugin } from "../examples/saturation_family.ts";
import { chartDatasets } from "./browser_charts.ts";
import { CHROMIUM, LAUNCH_ARGS } from "./chromium.ts";
import { lens, withDir } from "./cli_helpers.ts";

const FAMILY = fileURLToPath(new URL("../examples/saturation_family.ts", import.meta.url));

const CONFIG = `name: family
training: { epochs: 30 }
schedule: { type: every, every: 3 }
seeds: 2
model: { hidden: [6, 3] }
plugins: [mi-binned, saturation, label-ceiling]
`;

Deno.test({
  name: "example family on the dashboard: its own tab and chart, its overlay on the plane",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: () =>
    withDir(async (dir) => {
      assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
      await Deno.writeTextFile(join(dir, "family.yaml"), CONFIG);
      const db = join(dir, "f.db");
      const r = await lens(
        ["run", "family.yaml", "--plugin", FAMILY, "--db", db, "--run-id", "fam", "--quiet"],
        dir,
      );
      assert.equal(r.code, 0, r.stderr);
      // what the chart and the overlay must show, from the store
      const store = openStore(db, { readOnly: true });
      const means = new Map<string, Map<number, number>>();
      let hy = NaN;
      try {
        // the stored seed means (what the chart draws)
        const filter = { plugin: "saturation", metric: "saturated_mean", seed: -1 };
        for (const rec of store.queryResults("fam", filter)) {
          if (!means.has(rec.layer)) means.set(rec.layer, new Map());
          means.get(rec.layer)!.set(rec.epoch, rec.value);
        }
        hy = store.queryResults("fam", { plugin: "label-ceiling", metric: "hy" })[0].value;
      } finally {
        store.close();
      }
      assert.deepEqual([...means.keys()].sort(), ["dense_1", "dense_2"]);

      let browser: Browser | undefined;
      const server = await serve({
        port: 0,
        dbPath: db,
        quiet: true,
        plugins: [saturationPlugin, labelCeilingPlugin],
      });
      try {
        browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
        const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
        const errors: string[] = [];
        page.on("pageerror", (e) => errors.push(e.message));
        await page.goto(`${server.url}runs/fam`);
        await page.click('.tab:text-is("Saturation")');
        const sat = (await chartDatasets(page, "Saturated units")).filter((d) => !d.overlay);
        assert.equal(sat.length, 2, JSON.stringify(sat.map((d) => d.label)));
        for (const d of sat) {
          const layer = d.label.match(/dense_\d/)?.[0];
          assert.ok(layer && means.has(layer), d.label);
          const want = means.get(layer)!;
          assert.equal(d.points.length, want.size);
          for (const p of d.points) {
            // the chart API sends 6 significant digits
            assert.ok(Math.abs(p.y - want.get(p.x)!) < 1e-6, `${layer} @${p.x}: ${p.y}`);
          }
        }
        await page.goto(`${server.url}runs/fam#infoplane`);
        const plane = await chartDatasets(page, "Information plane (binned)");
        const ceiling = plane.find((d) => d.overlay && d.label.includes("H(Y) ceiling"));
        assert.ok(ceiling, JSON.stringify(plane.map((d) => d.label)));
        assert.ok(ceiling.points.length >= 2);
        for (const p of ceiling.points) assert.ok(Math.abs(p.y - hy) < 1e-5, `${p.y} vs ${hy}`);
        assert.deepEqual(errors, []);
      } finally {
        await browser?.close();
        await server.shutdown();
      }
    }),
});
