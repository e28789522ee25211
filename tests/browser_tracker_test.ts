/**
 * The dashboard as an experiment tracker, in headless Chromium (Debian's
 * chromium through playwright-core) against the real server on a free
 * loopback port, with synthetic runs written under the built-in plugin ids
 * (mi-binned, grad-snr, phases, ib-bound): the IB bound over the binned
 * plane bounds every layer point drawn under it; the compare page overlays
 * the runs, one dataset per run, with the config diff and a sortable
 * summary; the runs table sorts and filters, tags and deletes runs (after
 * asking); a run is renamed from its page; ctrl + wheel zooms a chart and
 * "Reset zoom" undoes it; the hover lists every series at an epoch; the
 * PNG export is twice the chart's size; the sweep page groups a sweep's
 * runs by everything but the seed; an information plane comes with its
 * coordinates against epoch per layer (seed mean, or one line per seed); an imported run has no Training tab; a training run's page shows an ETA. Screenshots go to
 * test-output/browser/.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "../deps/playwright_core.ts";
import { logSpacedEpochs } from "../core/schedule.ts";
import { openStore } from "../core/store.ts";
import { serve } from "../server/serve.ts";
import { chartDatasets } from "./browser_charts.ts";
import { CHROMIUM, LAUNCH_ARGS } from "./chromium.ts";
import { writeSyntheticRun } from "./server_synthetic_run.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SHOTS = join(ROOT, "test-output", "browser");

/** Browser-side: points of the plane's layer datasets above the overlay drawn over them. */
const ABOVE_BOUND = `(() => {
  const c = [...document.querySelectorAll("canvas")].find((c) =>
    c.closest(".chart-card")?.querySelector("h3")?.textContent === "Information plane (binned)");
  const ch = Chart.getChart(c);
  const bound = ch.data.datasets.find((d) => d.overlay);
  if (!bound) return { error: "no bound", labels: ch.data.datasets.map((d) => d.label) };
  const xs = bound.data.map((p) => p.x), ys = bound.data.map((p) => p.y);
  const at = (x) => {
    if (x <= xs[0]) return ys[0];
    for (let i = 1; i < xs.length; i++) {
      if (x <= xs[i]) return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
    }
    return bound.extendRight ? ys[ys.length - 1] : NaN;
  };
  let points = 0;
  const above = [];
  for (const d of ch.data.datasets) {
    if (d.overlay) continue;
    for (const p of d.data) {
      points++;
      if (!(p.y <= at(p.x) + 1e-9)) above.push([d.label, p.x, p.y, at(p.x)]);
    }
  }
  return { label: bound.label, points, above, flat: bound.extendRight, lastX: xs[xs.length - 1],
    axisMax: ch.scales.x.max };
})()`;

/** Waits until the chart titled `title` has points. */
async function chartReady(page: Page, title: string, timeoutMs = 20000): Promise<void> {
  await chartDatasets(page, title, timeoutMs);
}

Deno.test({
  name: "tracker pages in headless chromium: the IB bound bounds the plane; compare overlays runs",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
    await Deno.mkdir(SHOTS, { recursive: true });
    const dir = await Deno.makeTempDir({ prefix: "layerlens-tracker-" });
    const db = join(dir, "runs.db");
    const writer = openStore(db);
    const planeRun = writeSyntheticRun(
      writer,
      { layers: 6, epochs: 2000, points: 60, seeds: 3, gradients: true, ibCurve: true },
      { id: "plane-run", name: "plane run" },
    );
    const otherRuns = [2, 1].map((seeds, k) =>
      writeSyntheticRun(
        writer,
        { layers: 6, epochs: 2000, points: 40, seeds, gradients: true, ibCurve: true },
        { id: `run-${k + 2}`, name: `run ${k + 2}` },
      )
    );
    // an interrupted run: 12 of 2000 epochs
    const stopped = writer.createRun({
      id: "stopped-run",
      name: "stopped early",
      config: { name: "stopped early", training: { epochs: 2000 }, seeds: [0], plugins: [] },
      seeds: [0],
      backend: "js",
      engine: "fused",
      versions: {},
    });
    for (let epoch = 0; epoch < 12; epoch++) {
      writer.recordEpoch(stopped, { seed: 0, epoch, sampled: false, loss: 0.5, accuracy: 0.6 });
    }
    writer.finishRun(stopped, "interrupted", { total_s: 1 });
    let browser: Browser | undefined;
    let server: Awaited<ReturnType<typeof serve>> | undefined;
    try {
      server = await serve({ port: 0, dbPath: db, quiet: true });
      browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const pageErrors: string[] = [];
      page.on("pageerror", (e) => pageErrors.push(e.message));
      page.on("console", (m) => {
        if (m.type() === "error") pageErrors.push(m.text());
      });

      // Runs table: progress of the unfinished run, sorting on a header, filters.
      await page.goto(server.url);
      await page.waitForSelector("table.runs tbody tr[data-run-id]");
      const rowIds = () =>
        page.evaluate(
          `[...document.querySelectorAll("table.runs tbody tr[data-run-id]")].map((t) => t.dataset.runId)`,
        ) as Promise<string[]>;
      assert.equal((await rowIds()).length, 4);
      assert.equal(
        await page.textContent('tr[data-run-id="stopped-run"] .progress-cell'),
        "12 / 2000",
      );
      await page.click('table.runs th[data-key="seeds"]');
      // 3, 2, then the two of 1 seed
      assert.deepEqual((await rowIds()).slice(0, 2), [planeRun, otherRuns[0]]);
      await page.click('table.runs th[data-key="seeds"]');
      assert.equal((await rowIds())[3], planeRun);
      await page.click('table.runs th[data-key="name"]');
      assert.deepEqual(await rowIds(), [planeRun, otherRuns[0], otherRuns[1], stopped]);
      await page.fill(".run-search", "stopped");
      assert.deepEqual(await rowIds(), [stopped]);
      await page.fill(".run-search", "");
      await page.selectOption(".status-filter", "completed");
      assert.deepEqual(await rowIds(), [planeRun, otherRuns[0], otherRuns[1]]);
      // select all picks the shown runs
      await page.check(".select-all");
      assert.match(await page.textContent(".page-head .btn.primary") ?? "", /Compare 3 runs/);
      // tag one run (the prompt answered), filter by the tag; delete another (the confirmation)
      await page.uncheck(".select-all");
      await page.selectOption(".status-filter", "");
      await page.check(`tr[data-run-id="${otherRuns[1]}"] td.pick input`);
      page.once("dialog", (d) => d.accept("sweep-a baseline"));
      await page.click(".tag-selected");
      await page.waitForSelector(`tr[data-run-id="${otherRuns[1]}"] .tag`);
      await page.fill(".run-search", "baseline");
      assert.deepEqual(await rowIds(), [otherRuns[1]]);
      await page.fill(".run-search", "");
      await page.uncheck(`tr[data-run-id="${otherRuns[1]}"] td.pick input`);
      await page.check(`tr[data-run-id="${stopped}"] td.pick input`);
      let asked = "";
      page.once("dialog", (d) => {
        asked = d.message();
        d.accept();
      });
      await page.click(".delete-selected");
      await page.waitForSelector(`tr[data-run-id="${stopped}"]`, { state: "detached" });
      assert.match(asked, /Delete 1 run .*cannot be undone[\s\S]*stopped early/);
      assert.equal((await rowIds()).length, 3);
      await page.screenshot({ path: join(SHOTS, "tracker_runs.png"), fullPage: true });

      // The IB bound: hard labels, every layer point on or below it, flat to the axis end.
      await page.goto(`${server.url}runs/${planeRun}#infoplane`);
      await chartReady(page, "Information plane (binned)");
      await chartReady(page, "I(T;Y) against epoch");
      // the page shell preloads the first API answers at the URLs the page asks for: each
      // is fetched once (a preload the page did not match would be fetched again)
      const apiFetches = await page.evaluate(`performance.getEntriesByType("resource")
        .map((e) => e.name.replace(location.origin, "")).filter((u) => u.startsWith("/api/"))`) as string[];
      const charts = apiFetches.filter((u) => u.includes("/chart/"));
      assert.deepEqual(charts.map((u) => u.split("/chart/")[1]).sort(), [
        "ib-bound/ib-curve",
        "mi-binned/infoplane",
        "mi-binned/metric%3Aity",
        "mi-binned/metric%3Aixt",
      ]);
      // (the run itself is asked for again once the live stream has caught up)
      const once = apiFetches.filter((u) => !/^\/api\/runs\/[^/]+(\/events)?$/.test(u));
      assert.ok(once.includes("/api/plugins"), once.join(" "));
      assert.deepEqual(once.filter((u, i) => once.indexOf(u) !== i), []);
      const ib = await page.evaluate(ABOVE_BOUND) as {
        label: string;
        points: number;
        above: unknown[];
        flat: boolean;
        lastX: number;
        axisMax: number;
      };
      assert.match(ib.label, /^IB bound, hard labels: min\(I\(X;T\), H\(Y\) = 0\.999 bits\)$/);
      assert.equal(ib.points, 6 * logSpacedEpochs(2000, 60).length);
      assert.deepEqual(ib.above, []);
      assert.equal(ib.flat, true);
      assert.ok(ib.lastX >= 11, `flat part ends at ${ib.lastX}`);
      await page.screenshot({ path: join(SHOTS, "tracker_ib_bound.png"), fullPage: true });

      // Per-layer curves of each coordinate against epoch, seed mean with its band.
      await chartReady(page, "I(X;T) against epoch");
      const ixtEpoch = await page.evaluate(`(() => {
        const c = [...document.querySelectorAll("canvas")].find((c) =>
          c.closest(".chart-card")?.querySelector("h3")?.textContent === "I(X;T) against epoch");
        const ch = Chart.getChart(c);
        return { type: ch.scales.x.type, labels: ch.data.datasets.map((d) => d.label),
          band: ch.data.datasets.every((d) => d.spread === "band") };
      })()`) as { type: string; labels: string[]; band: boolean };
      assert.equal(ixtEpoch.type, "logarithmic");
      assert.deepEqual(ixtEpoch.labels, [
        "dense_1",
        "dense_2",
        "dense_3",
        "dense_4",
        "dense_5",
        "output",
      ]);
      assert.ok(ixtEpoch.band);
      await chartReady(page, "I(T;Y) against epoch");
      // the per-seed toggle: one line per seed and layer instead of the mean
      const ixtCard = '.chart-card:has(h3:text-is("I(X;T) against epoch"))';
      await page.click(`${ixtCard} .per-seed`);
      let perSeedLabels: string[] = [];
      for (let i = 0; i < 100 && perSeedLabels.length !== 18; i++) {
        await page.waitForTimeout(50);
        perSeedLabels = await page.evaluate(`(() => {
          const c = [...document.querySelectorAll("canvas")].find((c) =>
            c.closest(".chart-card")?.querySelector("h3")?.textContent === "I(X;T) against epoch");
          return Chart.getChart(c).data.datasets.map((d) => d.label); })()`) as string[];
      }
      assert.equal(perSeedLabels.length, 6 * 3, perSeedLabels.join(", "));
      assert.ok(perSeedLabels.includes("seed 2 dense_4"), perSeedLabels.join(", "));
      assert.match(
        await page.textContent(`${ixtCard} .chart-note`) ?? "",
        /3 seeds, one line each/,
      );

      // Zoom: ctrl + wheel over a chart narrows its x range; "Reset zoom" brings it back.
      await page.click('.tab:text-is("Gradient SNR")');
      const snrTitle = "Gradient signal-to-noise ratio";
      await chartReady(page, snrTitle);
      const snrCanvas = `[...document.querySelectorAll("canvas")].find((c) =>
        c.closest(".chart-card")?.querySelector("h3")?.textContent === ${
        JSON.stringify(snrTitle)
      })`;
      const xRange = () =>
        page.evaluate(`(() => { const s = Chart.getChart(${snrCanvas}).scales.x;
          return [s.min, s.max]; })()`) as Promise<[number, number]>;
      const box = await page.evaluate(`(() => { const r = ${snrCanvas}.getBoundingClientRect();
        return { x: r.x, y: r.y, w: r.width, h: r.height }; })()`) as {
        x: number;
        y: number;
        w: number;
        h: number;
      };
      const before = await xRange();
      await page.mouse.move(box.x + box.w * 0.6, box.y + box.h * 0.4);
      await page.keyboard.down("Control");
      await page.mouse.wheel(0, -400);
      await page.keyboard.up("Control");
      await page.waitForTimeout(200);
      const zoomed = await xRange();
      assert.ok(
        zoomed[1] / zoomed[0] < before[1] / before[0] * 0.9,
        `x range ${before} -> ${zoomed}`,
      );
      const card = `.chart-card:has(h3:text-is("${snrTitle}"))`;
      await page.waitForSelector(`${card} .reset-zoom`, { state: "visible", timeout: 3000 });
      await page.click(`${card} .reset-zoom`);
      assert.deepEqual(await xRange(), before);

      // Hover: every series at the epoch under the pointer, titled with the word epoch.
      await page.mouse.move(box.x + box.w * 0.5, box.y + box.h * 0.5);
      await page.waitForTimeout(100);
      const tip = await page.evaluate(`(() => { const t = Chart.getChart(${snrCanvas}).tooltip;
        return { title: t.title, lines: t.body.map((b) => b.lines.join(" ")) }; })()`) as {
        title: string[];
        lines: string[];
      };
      assert.match(tip.title[0], /^epoch \d+/);
      assert.equal(tip.lines.length, 5, tip.lines.join(" | "));

      // PNG: twice the chart's size on screen, title included.
      const size = await page.evaluate(`(() => { const c = Chart.getChart(${snrCanvas});
        return [c.width, c.height]; })()`) as [number, number];
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click(`${card} button:text-is("PNG")`),
      ]);
      const png = await Deno.readFile((await download.path())!);
      const view = new DataView(png.buffer, png.byteOffset);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
      assert.deepEqual([view.getUint32(16), view.getUint32(20)], [2 * size[0], 2 * size[1]]);

      // Compare: one chart per metric, one dataset per run (one layer chosen), the config diff.
      const compared = [planeRun, ...otherRuns];
      await page.goto(`${server.url}compare?runs=${compared.join(",")}`);
      await chartReady(page, "Train loss");
      const datasetsOf = (sel: string) =>
        page.evaluate(`(() => {
          const ch = Chart.getChart(document.querySelector(${JSON.stringify(sel)} + " canvas"));
          return ch ? ch.data.datasets.map((d) => ({ label: d.label, color: d.borderColor,
            overlay: !!d.overlay, n: d.data.length })) : null;
        })()`) as Promise<{ label: string; color: string; overlay: boolean; n: number }[] | null>;
      const loss = (await datasetsOf('[data-chart="training/train-loss"]'))!;
      assert.deepEqual(loss.map((d) => d.label), ["plane run", "run 2", "run 3"]);
      assert.equal(new Set(loss.map((d) => d.color)).size, 3);
      assert.ok(loss.every((d) => d.n > 100));
      await chartReady(page, "Information plane (binned)");
      const planeAll = (await datasetsOf('[data-chart="mi-binned/infoplane"]'))!;
      assert.equal(planeAll.filter((d) => !d.overlay).length, 3 * 6);
      await page.selectOption(".layer-select", "dense_2");
      let planeOne: typeof planeAll = [];
      for (let i = 0; i < 100; i++) {
        planeOne = (await datasetsOf('[data-chart="mi-binned/infoplane"]'))!;
        if (planeOne.filter((d) => !d.overlay).length === 3) break;
        await page.waitForTimeout(100);
      }
      assert.deepEqual(planeOne.filter((d) => !d.overlay).map((d) => d.label), [
        "plane run",
        "run 2",
        "run 3",
      ]);
      assert.equal(planeOne.filter((d) => d.overlay).length, 1);
      const diffKeys = await page.$$eval(
        ".config-diff tr td:first-child",
        (t) => t.map((x) => x.textContent),
      );
      assert.deepEqual(diffKeys, ["name", "schedule.points", "seeds"]);
      // the summary sorts by a column on a click, the other way on a second
      const summaryOrder = () =>
        page.$$eval(".compare-summary tbody tr td:first-child", (t) => t.map((x) => x.textContent));
      await page.click('.compare-summary th[data-key="seeds"]');
      assert.deepEqual(await summaryOrder(), ["plane run", "run 2", "run 3"]);
      await page.click('.compare-summary th[data-key="seeds"]');
      assert.deepEqual(await summaryOrder(), ["run 3", "run 2", "plane run"]);
      await page.screenshot({ path: join(SHOTS, "tracker_compare.png"), fullPage: true });

      // Sweep page: variant d-1 run twice (2 then 3 seeds), d-2 once with one layer fewer;
      // grouped by everything but the seed, one dataset per group, the comparison table.
      const sweepShape = { epochs: 500, points: 30, gradients: true, ibCurve: true };
      writeSyntheticRun(writer, { ...sweepShape, layers: 6, seeds: 2 }, { name: "depth/d-1" });
      writeSyntheticRun(writer, { ...sweepShape, layers: 5, seeds: 1 }, { name: "depth/d-2" });
      writeSyntheticRun(writer, { ...sweepShape, layers: 6, seeds: 3 }, { name: "depth/d-1" });
      await page.goto(server.url);
      await page.click('.sweep-link:text-is("depth (3)")');
      await page.waitForSelector(".sweep-table tbody tr");
      const variants = await page.$$eval(
        ".sweep-table tbody tr",
        (t) => t.map((x) => [...x.querySelectorAll("td")].map((td) => td.textContent)),
      );
      assert.deepEqual(variants.map((v) => [v[0], v[2], v[3]]), [["d-1", "2", "5"], [
        "d-2",
        "1",
        "1",
      ]]);
      await chartReady(page, "Train loss");
      const sweepLoss = (await datasetsOf('[data-chart="training/train-loss"]'))!;
      assert.deepEqual(sweepLoss.map((d) => d.label), ["d-1", "d-2"]);
      await chartReady(page, "Information plane (binned)");
      const sweepPlane = (await datasetsOf('[data-chart="mi-binned/infoplane"]'))!;
      assert.equal(sweepPlane.filter((d) => !d.overlay).length, 6 + 5);
      const sweepDiff = await page.$$eval(
        ".config-diff tr td:first-child",
        (t) => t.map((x) => x.textContent),
      );
      assert.deepEqual(sweepDiff, ["model.hidden"]);
      assert.match(await page.textContent(".sweep-table + *, .card") ?? "", /Comparison/);
      await page.screenshot({ path: join(SHOTS, "tracker_sweep.png"), fullPage: true });

      // An imported run (lens analyze): no Training tab.
      const imported = writer.createRun({
        id: "imported-run",
        name: "acts.npz",
        config: {
          name: "acts.npz",
          analyze: {
            activations: "/data/acts.npz",
            labels: "/data/labels.npy",
            sha256: { "acts.npz": "ab".repeat(32), "labels.npy": "cd".repeat(32) },
          },
          plugins: [{ id: "mi-binned" }],
        },
        seeds: [0],
        backend: "js",
        engine: "analyze",
        versions: {},
      });
      writer.appendResults(imported, [
        { plugin: "mi-binned", layer: "h", epoch: 0, seed: 0, index: 0, metric: "ixt", value: 3 },
        { plugin: "mi-binned", layer: "h", epoch: 0, seed: 0, index: 0, metric: "ity", value: 1 },
      ]);
      writer.finishRun(imported, "completed", {});
      await page.goto(`${server.url}runs/${imported}`);
      await chartReady(page, "Information plane (binned)");
      assert.deepEqual(await page.$$eval(".tab", (b) => b.map((x) => x.textContent)), [
        "Information plane",
      ]);
      // its input files with their hashes
      const inputs = await page.$$eval(".inputs-table tr", (t) => t.map((x) => x.textContent));
      assert.deepEqual(inputs, [
        `activations/data/acts.npzsha256 ${"ab".repeat(8)}…`,
        `labels/data/labels.npysha256 ${"cd".repeat(8)}…`,
      ]);

      // A training run's ETA: epoch rows arrive while the page watches; the header prices the rest.
      const training = writer.createRun({
        id: "training-run",
        name: "training run",
        config: {
          name: "training run",
          training: { epochs: 1000 },
          schedule: { type: "log", points: 50 },
          seeds: [0],
          plugins: [],
        },
        seeds: [0],
        backend: "js",
        engine: "fused",
        versions: {},
      });
      await page.goto(`${server.url}runs/${training}`);
      await page.waitForSelector(".eta-line", { state: "attached" });
      let etaText = "";
      for (let i = 0; i < 60 && !/left/.test(etaText); i++) {
        for (let k = 0; k < 20; k++) {
          writer.recordEpoch(training, {
            seed: 0,
            epoch: 20 * i + k,
            sampled: false,
            loss: 0.5,
            accuracy: 0.5,
          });
        }
        await page.waitForTimeout(200);
        etaText = await page.textContent(".eta-line") ?? "";
      }
      assert.match(etaText, /^about .+ left/);
      writer.finishRun(training, "completed", {});

      // rename from the run page (the prompt answered)
      await page.goto(`${server.url}runs/${otherRuns[0]}`);
      await page.waitForSelector(".rename-run");
      page.once("dialog", (d) => d.accept("renamed run"));
      await page.click(".rename-run");
      await page.waitForSelector('h1:text-is("renamed run")');
      const after = await (await fetch(`${server.url}api/runs/${otherRuns[0]}`)).json();
      assert.equal(after.run.name, "renamed run");

      assert.deepEqual(pageErrors, []);
    } finally {
      await browser?.close();
      await server?.shutdown();
      writer.close();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
