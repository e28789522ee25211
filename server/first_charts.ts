/**
 * The chart answers a run page asks for first: the charts of its first
 * plugin tab, as server/static/pages/run.js builds that tab (each chart of
 * each plugin, and beside an information plane its two coordinates against
 * epoch), at the URLs the page asks for. The page shell preloads them
 * (routes/static.ts), so the server works on them while the page's
 * scripts load. A page whose address names another tab (`#gradients`)
 * asks for that tab's charts instead; these answers then go unused.
 * {@link allChartUrls} lists the charts of every tab (what a run keeps
 * where it ends, server/prepare_answers.ts).
 *
 * @module
 */
import type { Plugin, RunRow } from "../core/types.ts";
// @ts-types="./static/families.d.ts"
import { tabsFor } from "./static/families.js";

/** Plugin ids of a run's config. */
function configPluginIds(run: RunRow): string[] {
  const ps = (run.config as { plugins?: unknown } | null)?.plugins;
  if (!Array.isArray(ps)) return [];
  return ps.map((p) => (typeof p === "string" ? p : (p as { id?: unknown })?.id))
    .filter((x): x is string => typeof x === "string" && x !== "");
}

/** The chart URLs of `run`'s first plugin tab, in the order the page asks for them. */
export function firstTabChartUrls(run: RunRow, plugins: readonly Plugin[]): string[] {
  return tabChartUrls(run, plugins, 1);
}

/**
 * The chart URLs of every plugin tab of `run` (the run page's tabs, in
 * order; the compare page asks for the same charts of each run).
 */
export function allChartUrls(run: RunRow, plugins: readonly Plugin[]): string[] {
  return tabChartUrls(run, plugins, Infinity);
}

/** The chart URLs of `run`'s first `count` plugin tabs, in the order the page asks for them. */
function tabChartUrls(run: RunRow, plugins: readonly Plugin[], count: number): string[] {
  const byId = new Map(
    plugins.map((p) => [p.id, { charts: p.charts ?? [], tab: p.presentation?.tab ?? null }]),
  );
  const tabs = tabsFor(configPluginIds(run), byId).slice(0, count);
  const enc = encodeURIComponent;
  const url = (plugin: string, chartId: string) =>
    `/api/runs/${enc(run.id)}/chart/${enc(plugin)}/${enc(chartId)}`;
  const out: string[] = [];
  for (const tab of tabs) {
    for (const id of tab.plugins) {
      for (const spec of byId.get(id)?.charts ?? []) {
        out.push(url(id, spec.id));
        if (spec.type === "scatter" && spec.colorBy === "epoch" && spec.x.metric) {
          out.push(url(id, `metric:${spec.x.metric}`), url(id, `metric:${spec.y.metrics[0]}`));
        }
      }
    }
  }
  return out;
}
