/**
 * The chart answers a run page's shell preloads (server/first_charts.ts):
 * the charts of the run's first plugin tab as the page builds it, at the
 * URLs it asks for, and none for a run without plugins; and the charts of
 * every tab, in the page's order (what a run keeps where it ends).
 */
import assert from "node:assert/strict";
import type { RunRow } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { allChartUrls, firstTabChartUrls } from "../server/first_charts.ts";

const run = (id: string, plugins: unknown[]) => ({ id, config: { plugins } }) as unknown as RunRow;

Deno.test("first charts: the information-plane tab of a run with mi-binned, ib-bound and grad-snr", () => {
  const plugins = builtinPlugins();
  const urls = firstTabChartUrls(
    run("a b", ["grad-snr", { id: "mi-binned", options: {} }, "ib-bound"]),
    plugins,
  );
  // the family tab lists mi-binned before ib-bound whatever the config's order; grad-snr is
  // the next tab; beside the plane its two coordinates against epoch
  const plane = plugins.find((p) => p.id === "mi-binned")!.charts!;
  const ib = plugins.find((p) => p.id === "ib-bound")!.charts!;
  assert.deepEqual(urls, [
    ...plane.flatMap((c) =>
      c.type === "scatter" && c.colorBy === "epoch"
        ? [c.id, `metric:${c.x.metric}`, `metric:${c.y.metrics[0]}`]
        : [c.id]
    ).map((c) => `/api/runs/a%20b/chart/mi-binned/${encodeURIComponent(c)}`),
    ...ib.map((c) => `/api/runs/a%20b/chart/ib-bound/${c.id}`),
  ]);
  assert.ok(urls.includes("/api/runs/a%20b/chart/mi-binned/metric%3Aixt"));
  assert.ok(!urls.some((u) => u.includes("grad-snr")));
  assert.deepEqual(firstTabChartUrls(run("x", []), plugins), []);
  // every tab: the first tab's charts, then grad-snr's
  const all = allChartUrls(run("a b", ["grad-snr", "mi-binned", "ib-bound"]), plugins);
  const snr = plugins.find((p) => p.id === "grad-snr")!.charts!;
  assert.deepEqual(all, [
    ...urls,
    ...snr.map((c) => `/api/runs/a%20b/chart/grad-snr/${encodeURIComponent(c.id)}`),
  ]);
  assert.deepEqual(allChartUrls(run("x", []), plugins), []);
});
