/**
 * A finished run's first dashboard answers, computed where the run ends
 * (`lens run`, `lens demo`, `lens sweep`) and kept in the run store
 * (stored_answers.ts): every chart of the run page's tabs (which the
 * compare page asks for too) and the training curves, asked of the app
 * exactly as a page asks for them, so the first view of the run reads them
 * instead of aggregating its records.
 *
 * @module
 */
import type { Registry } from "../core/registry.ts";
import type { Store } from "../core/types.ts";
import { createApp } from "./app.ts";
import { allChartUrls } from "./first_charts.ts";

/**
 * Asks the app for run `runId`'s charts and training curves, which
 * stores them (a store without answer methods keeps nothing). Returns how
 * many answers were made; a failed request throws with its status and body.
 *
 * @example
 * ```ts
 * await prepareRunAnswers({ store, registry, dbPath: "runs.db" }, runId); // the number of answers kept
 * ```
 */
export async function prepareRunAnswers(
  deps: { store: Store; registry: Registry; dbPath: string },
  runId: string,
): Promise<number> {
  const run = deps.store.getRun(runId);
  if (!run || run.status === "running" || !deps.store.storeAnswer) return 0;
  const app = createApp({
    ...deps,
    spawnRun: () => {
      throw new Error("this app only prepares answers");
    },
  });
  const urls = [
    ...allChartUrls(run, deps.registry.list()),
    `/api/runs/${encodeURIComponent(runId)}/training`,
  ];
  for (const url of urls) {
    const res = await app.request(url);
    const body = await res.text();
    if (!res.ok) throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
  }
  return urls.length;
}
