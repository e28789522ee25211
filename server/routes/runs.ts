/**
 * Runs: list, one run, start a run (POST), stop a run, export a run's records.
 *
 * - `GET /api/runs`: the runs table ({@link RunSummary} per run, newest
 *   first), runs waiting in the server's queue (`queued`) and runs whose
 *   process has not written them yet (`starting`) included.
 * - `GET /api/runs/:id`: the stored row (config, status, timings, plugin
 *   errors, progress), its summary, and `configYaml`: the config as the
 *   snake_case YAML `lens run` and `POST /api/runs` accept (null for
 *   imported runs).
 * - `POST /api/runs`: body = a YAML or JSON config (Content-Type
 *   application/yaml or application/json, at most 1 MiB), validated like
 *   the CLI does, within the server's budget, naming files only under its
 *   data directory; 202 `{id, status}` once the run process is started
 *   (`running`) or the run waits for a slot (`queued`); 429 when the queue
 *   is full.
 * - `POST /api/runs/:id/stop`: stops a run this server started (a waiting
 *   one never starts; a training one is interrupted and keeps what it
 *   wrote); 202 `{id, status}`.
 * - `GET /api/runs/:id/export?format=csv|json` (+ the record filters), streamed.
 *
 * Starting and stopping are state changes: see access.ts.
 *
 * @module
 */
import { Hono } from "../../deps/hono.ts";
import { parse } from "../../deps/yaml.ts";
import { configToYaml, parseConfig } from "../../core/config.ts";
import { LensError } from "../../core/errors.ts";
import { sampledEpochs } from "../../core/schedule.ts";
import { newRunId } from "../../core/store.ts";
import type { RunConfig, RunRow } from "../../core/types.ts";
import { assertMayChange } from "../access.ts";
import { checkBudget, precheckBudget, sampleCount } from "../budget.ts";
import type { AppDeps, AppEnv } from "../context.ts";
import { confinedDir, confinedFile } from "../data_dir.ts";
import { runNotFound } from "../errors.ts";
import type { Lane } from "../heavy_lane.ts";
import { nameParam, parseFilter } from "../query.ts";
import { recordStream } from "../record_stream.ts";
import { readBodyCapped } from "../read_body.ts";
import { type RunSummary, summarizeRun } from "../run_summary.ts";
import { viewRun } from "../run_view.ts";

/** Largest config body accepted. */
export const MAX_BODY = 1 << 20;

/** Most records one export answers (more: filter, or use the CLI). */
export const MAX_EXPORT = 5_000_000;

/**
 * The YAML (snake_case) of a trained run's config, as `lens run` and
 * `POST /api/runs` accept it; null for configs of other shapes (imported
 * runs) or ones the current version cannot write back.
 */
export function runConfigYaml(config: unknown): string | null {
  const r = config as Partial<RunConfig> | null;
  if (
    !r || typeof r !== "object" || typeof r.data !== "object" || typeof r.model !== "object" ||
    typeof r.training !== "object" || !Array.isArray(r.plugins)
  ) return null;
  try {
    return configToYaml(r as RunConfig);
  } catch {
    return null; // an older stored shape: the JSON panel still shows it
  }
}

/** The epochs a trained run's schedule samples (null for other configs). */
export function runSampledEpochs(config: unknown): number[] | null {
  const r = config as Partial<RunConfig> | null;
  const epochs = r?.training?.epochs;
  if (!r?.schedule || typeof epochs !== "number" || !Number.isInteger(epochs) || epochs < 1) {
    return null;
  }
  try {
    return sampledEpochs(r.schedule, epochs);
  } catch {
    return null; // a schedule of another version's shape: the page shows no ETA
  }
}

/** The stored run as the API shows it, or a 404. */
export function requireRun(deps: AppDeps, id: string): RunRow {
  const run = deps.store.getRun(id);
  if (run) {
    deps.pending.delete(id);
    return viewRun(deps.store, run);
  }
  throw runNotFound(id);
}

function csvCell(v: string | number | null): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** The CSV header of an export. */
export const CSV_HEADER = "plugin,layer,epoch,seed,index,metric,value";

/** The summary row of a run the server accepted but that has no stored row yet. */
function pendingSummary(
  id: string,
  p: { name: string; startedAt: string; status: string },
): RunSummary {
  return {
    id,
    name: p.name,
    status: p.status,
    createdAt: p.startedAt,
    finishedAt: null,
    data: "",
    model: "",
    seeds: 0,
    epochs: null,
    progress: null,
    durationS: null,
    epochsDone: null,
    finalLoss: null,
    finalAccuracy: null,
    engine: "",
    backend: "",
    plugins: [],
    error: null,
    pluginErrors: 0,
    tags: [],
  };
}

/**
 * Checks a POSTed config: budget on the raw document, the parse, plugin
 * ids and options, file paths confined to the data directory, budget on
 * the parsed config. Returns the config and the text the run is started
 * with (file paths replaced by their real paths).
 */
async function admit(deps: AppDeps, text: string): Promise<{ config: RunConfig; yaml: string }> {
  if (text.trim() === "") {
    throw new LensError("empty request body", {
      code: "request",
      expected: "a run config as YAML or JSON",
    });
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    doc = undefined; // parseConfig reports the syntax error with its line
  }
  precheckBudget(doc, deps.limits);
  const config = parseConfig(text, "request body");
  deps.registry.resolve(config.plugins, { field: "plugins" });
  let yaml = text;
  let bytes = 0;
  if (config.data.name === "file") {
    const data = config.data;
    const main = await confinedFile(data.path, deps.dataDir, "data.path");
    bytes = main.bytes;
    const raw = doc as { data: Record<string, unknown> };
    raw.data.path = main.path;
    if (data.labels !== undefined) {
      raw.data.labels = (await confinedFile(data.labels, deps.dataDir, "data.labels")).path;
    }
    yaml = JSON.stringify(doc);
  }
  if (config.data.name === "cifar10") {
    const raw = doc as { data: Record<string, unknown> };
    raw.data.path = await confinedDir(config.data.path, deps.dataDir, "data.path");
    yaml = JSON.stringify(doc);
  }
  checkBudget(config, sampleCount(config.data, bytes), deps.limits);
  return { config, yaml };
}

/** Routes under /api/runs. */
export function runRoutes(deps: AppDeps, lane: Lane): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get("/", (c) => {
    const runs: RunSummary[] = deps.store.listRuns().map((r) =>
      summarizeRun(viewRun(deps.store, r), deps.store.runTags?.(r.id))
    );
    const known = new Set(runs.map((r) => r.id));
    for (const [id, p] of deps.pending) {
      if (known.has(id)) deps.pending.delete(id);
      else runs.unshift(pendingSummary(id, p));
    }
    runs.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    return c.json({ runs });
  });

  app.get("/:id", (c) => {
    const id = c.req.param("id");
    const pending = deps.pending.get(id);
    if (pending && !deps.store.getRun(id)) {
      return c.json({ run: { id, name: pending.name, status: pending.status }, summary: null });
    }
    const run = requireRun(deps, id);
    return c.json({
      run,
      summary: summarizeRun(run, deps.store.runTags?.(run.id)),
      configYaml: runConfigYaml(run.config),
      // the schedule's sampled epochs while it trains (the page's ETA weighs them)
      sampledEpochs: run.status === "running" ? runSampledEpochs(run.config) : null,
    });
  });

  app.post("/", async (c) => {
    assertMayChange(c, deps.access, { body: true });
    const text = await readBodyCapped(c.req.raw, MAX_BODY);
    const { config, yaml } = await admit(deps, text);
    const id = newRunId();
    deps.pending.set(id, {
      startedAt: new Date().toISOString(),
      name: config.name,
      status: "starting",
    });
    let status;
    try {
      status = await deps.queue.submit({ id, name: config.name, yaml });
    } catch (e) {
      deps.pending.delete(id);
      throw e;
    }
    if (status === "queued") deps.pending.get(id)!.status = "queued";
    return c.json({ id, status, url: `/runs/${encodeURIComponent(id)}` }, 202);
  });

  app.post("/:id/stop", (c) => {
    assertMayChange(c, deps.access, { body: false });
    const id = c.req.param("id");
    const outcome = deps.queue.stop(id);
    if (outcome === "dequeued") return c.json({ id, status: "interrupted" }, 202);
    if (outcome === "stopping") return c.json({ id, status: "stopping" }, 202);
    const run = deps.store.getRun(id);
    if (!run && !deps.pending.has(id)) throw runNotFound(id);
    throw new LensError(
      run && run.status !== "running"
        ? `run "${id}" has already ended (${run.status})`
        : `run "${id}" was not started by this server`,
      {
        code: "conflict",
        expected: "a run started from this dashboard that is waiting or training " +
          "(stop a CLI run with Ctrl-C where it runs)",
      },
    );
  });

  app.get("/:id/export", (c) => {
    const run = requireRun(deps, c.req.param("id"));
    const params = new URL(c.req.url).searchParams;
    const filter = parseFilter(params, ["format"]);
    const format = nameParam(params, "format") ?? "csv";
    if (format !== "csv" && format !== "json") {
      throw new LensError(`unknown format "${format}"`, {
        code: "filter",
        field: "format",
        expected: "csv or json",
      });
    }
    const base = run.id.replace(/[^A-Za-z0-9_.-]/g, "_");
    c.header("Content-Disposition", `attachment; filename="${base}.${format}"`);
    if (format === "json") {
      c.header("Content-Type", "application/json");
      return c.body(recordStream(deps.store, lane, run.id, filter, MAX_EXPORT, {
        head: `{"run":${JSON.stringify(run)},"results":[`,
        row: ({ id: _id, ...r }) => JSON.stringify(r),
        sep: ",",
        tail: () => "]}",
      }));
    }
    c.header("Content-Type", "text/csv; charset=utf-8");
    return c.body(recordStream(deps.store, lane, run.id, filter, MAX_EXPORT, {
      head: CSV_HEADER + "\n",
      row: (r) =>
        [r.plugin, r.layer, r.epoch, r.seed, r.index, r.metric, r.value].map(csvCell).join(",") +
        "\n",
      sep: "",
      tail: () => "",
    }));
  });

  return app;
}
