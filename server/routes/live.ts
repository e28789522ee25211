/**
 * `GET /api/runs/:id/events`: server-sent events that follow a run.
 *
 * First a catch-up of what exists (`epochs`: every epoch row so far;
 * `results`: a summary of every record so far; `status`), then, polling the
 * store every ~500 ms (on PostgreSQL: woken by LISTEN/NOTIFY when the writer
 * commits, run_changes.ts), new epoch rows and summaries of new records as they
 * are written, a `status` event when the status or progress changes, and a
 * last `status` event with `final: true` when the run has ended, after
 * which the stream closes. Event ids are `<epoch row id>:<record id>`, so a
 * reconnecting client (Last-Event-ID) gets only what it has not seen.
 *
 * Events:
 * - `epochs`: `{rows: [[id, seed, epoch, loss, accuracy, testLoss, testAccuracy], ...]}`
 * - `results`: {@link ResultsSummary}
 * - `status`: `{status, progress, error, pluginErrors, timings, final, phase}`
 *
 * @module
 */
import { watchRun } from "../run_changes.ts";
import { Hono } from "../../deps/hono.ts";
import { streamSSE } from "../../deps/hono_streaming.ts";
import type { ResultGroup, RunRow } from "../../core/types.ts";
import { compact } from "../chart_data.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { runNotFound } from "../errors.ts";
import { onlyKnown } from "../query.ts";
import { viewRun } from "../run_view.ts";

/** What a batch of records holds, per plugin. */
export interface ResultsSummary {
  /** Highest record id summarised. */
  lastId: number;
  count: number;
  plugins: Record<
    string,
    { count: number; metrics: string[]; layers: string[]; epochMin: number; epochMax: number }
  >;
}

/**
 * Folds the store's (plugin, metric, layer) groups of the records after
 * `afterId` into one summary per plugin. Pure.
 */
export function summarizeResults(groups: readonly ResultGroup[], afterId: number): ResultsSummary {
  const plugins: Record<
    string,
    { count: number; metrics: Set<string>; layers: Set<string>; epochMin: number; epochMax: number }
  > = {};
  let lastId = afterId;
  let count = 0;
  for (const g of groups) {
    lastId = Math.max(lastId, g.lastId);
    count += g.count;
    const p = plugins[g.plugin] ??= {
      count: 0,
      metrics: new Set(),
      layers: new Set(),
      epochMin: Infinity,
      epochMax: -Infinity,
    };
    p.count += g.count;
    p.metrics.add(g.metric);
    p.layers.add(g.layer);
    p.epochMin = Math.min(p.epochMin, g.epochMin);
    p.epochMax = Math.max(p.epochMax, g.epochMax);
  }
  const out: ResultsSummary = { lastId, count, plugins: {} };
  for (const [id, p] of Object.entries(plugins)) {
    out.plugins[id] = {
      count: p.count,
      metrics: [...p.metrics].sort(),
      layers: [...p.layers].sort((a, b) => a.localeCompare(b, undefined, { numeric: true })),
      epochMin: p.epochMin,
      epochMax: p.epochMax,
    };
  }
  return out;
}

function statusPayload(run: RunRow, phase: string, final: boolean) {
  return {
    id: run.id,
    status: run.status,
    progress: run.progress,
    error: run.error,
    pluginErrors: run.pluginErrors,
    timings: run.timings,
    finishedAt: run.finishedAt,
    phase,
    final,
  };
}

/** Reads `<epochId>:<resultId>` from a Last-Event-ID header. */
function resumePoint(header: string | undefined): [number, number] {
  const m = /^(\d+):(\d+)$/.exec(header ?? "");
  return m ? [Number(m[1]), Number(m[2])] : [0, 0];
}

/**
 * With change notifications, the longest wait between two reads of a
 * followed run anyway (what no notification announces: a writer that died,
 * the keep-alive).
 */
const WATCH_FALLBACK_MS = 2000;

/** Routes under /api/runs/:id for live following. */
export function liveRoutes(
  deps: AppDeps & { pollMs?: number; signal?: AbortSignal },
): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const pollMs = deps.pollMs ?? 500;
  const heartbeatMs = 15000;
  const gone = (stream: { aborted: boolean }) => stream.aborted || !!deps.signal?.aborted;

  app.get("/:id/events", (c) => {
    const id = c.req.param("id");
    onlyKnown(new URL(c.req.url).searchParams, []);
    if (!deps.store.getRun(id) && !deps.pending.has(id)) throw runNotFound(id);
    let [epochId, resultId] = resumePoint(c.req.header("last-event-id"));

    return streamSSE(c, async (stream) => {
      const { store } = deps;
      const eventId = () => `${epochId}:${resultId}`;
      let quietSince = Date.now();
      const send = async (event: string, data: unknown) => {
        await stream.writeSSE({ event, data: JSON.stringify(data), id: eventId() });
        quietSince = Date.now();
      };
      const sendEpochs = async () => {
        const rows = store.epochsSince(id, epochId);
        if (!rows.length) return [];
        epochId = rows[rows.length - 1].id;
        await send("epochs", {
          rows: rows.map((r) => [
            r.id,
            r.seed,
            r.epoch,
            compact(r.loss),
            compact(r.accuracy),
            r.testLoss === null ? null : compact(r.testLoss),
            r.testAccuracy === null ? null : compact(r.testAccuracy),
          ]),
        });
        return rows;
      };
      const sendResults = async (summary: ResultsSummary) => {
        if (!summary.count) return;
        resultId = Math.max(resultId, summary.lastId);
        await send("results", summary);
      };
      const newResults = () => summarizeResults(store.resultGroups(id, resultId), resultId);
      const drain = async () => {
        await sendEpochs();
        await sendResults(newResults());
      };

      // A run the server just started may not have its row yet.
      const read = () => {
        const r = store.getRun(id);
        return r ? viewRun(store, r) : undefined;
      };
      let run = read();
      if (!run) {
        const status = deps.pending.get(id)?.status ?? "starting";
        await send("status", { id, status, phase: "catch-up", final: false });
        while (!run && !gone(stream)) {
          await stream.sleep(pollMs);
          run = read();
          if (!run && !deps.pending.has(id)) return;
        }
        if (!run) return;
      }
      deps.pending.delete(id);

      // Catch-up: everything that exists, then the status. The summary is
      // counted in the database, so a big run's catch-up reads no records.
      await sendEpochs();
      await sendResults(newResults());
      let last = JSON.stringify(statusPayload(run, "follow", false));
      if (run.status !== "running") {
        await send("status", statusPayload(run, "catch-up", true));
        return;
      }
      await send("status", statusPayload(run, "catch-up", false));

      // Follow until the run ends or the client leaves: woken by the store's
      // change notifications where it has them (PostgreSQL), else polling.
      const changes = watchRun(store, id);
      const stopWaiting = () => changes?.wake();
      stream.onAbort(stopWaiting);
      deps.signal?.addEventListener("abort", stopWaiting);
      try {
        while (!gone(stream)) {
          if (changes) await changes.next(Math.max(pollMs, WATCH_FALLBACK_MS));
          else await stream.sleep(pollMs);
          if (gone(stream)) break;
          const now = read();
          if (!now) return;
          await drain();
          if (now.status !== "running") {
            await send("status", statusPayload(now, "follow", true));
            return;
          }
          const payload = JSON.stringify(statusPayload(now, "follow", false));
          if (payload !== last) {
            last = payload;
            await send("status", JSON.parse(payload));
          } else if (Date.now() - quietSince > heartbeatMs) {
            await stream.write(": keep-alive\n\n");
            quietSince = Date.now();
          }
        }
      } finally {
        changes?.close();
        deps.signal?.removeEventListener("abort", stopWaiting);
      }
    }, (e) => {
      console.error(`layerlens server: event stream of run ${id}: ${e.message}`);
      return Promise.resolve();
    });
  });

  return app;
}
