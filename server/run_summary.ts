/**
 * Short descriptions of a stored run for the runs table: data set, model,
 * seeds, epochs reached and duration, read from its config and timings.
 *
 * @module
 */
import { meanSd } from "../core/aggregate.ts";
import type { RunRow } from "../core/types.ts";

/** One row of the runs table. */
export interface RunSummary {
  id: string;
  name: string;
  status: string;
  createdAt: string;
  finishedAt: string | null;
  data: string;
  model: string;
  seeds: number;
  epochs: number | null;
  /** Share of seed-epochs trained, 0..1 (null when the epochs are not known). */
  progress: number | null;
  durationS: number | null;
  /** Epochs trained by the seed furthest along (the "12" of "12 / 2000"); null without progress. */
  epochsDone: number | null;
  /** Train loss at each seed's last epoch, mean over seeds; null without progress. */
  finalLoss: number | null;
  /** Train accuracy at each seed's last epoch, mean over seeds; null without progress. */
  finalAccuracy: number | null;
  engine: string;
  backend: string;
  plugins: string[];
  error: string | null;
  pluginErrors: number;
  /** The run's tags (dashboard labels), sorted. */
  tags: string[];
}

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v && typeof v === "object" ? v as Obj : {});

/** "tishby12 (reference 0.8)", "mnist 2000", "file x.npz". */
export function describeData(data: unknown): string {
  const d = obj(data);
  if (d.name === "tishby12") return `tishby12${d.split === "random" ? " random split" : ""}`;
  if (d.name === "mnist") return d.subset ? `mnist ${d.subset}` : "mnist";
  if (d.name === "file") return `file ${String(d.path ?? "").split("/").pop()}`;
  return typeof d.name === "string" ? d.name : "";
}

/** "mlp 10-7-5-4-3 tanh", "cnn c16k5-c32k5 d64 relu". */
export function describeModel(model: unknown): string {
  const m = obj(model);
  const act = typeof m.activation === "string" ? ` ${m.activation}` : "";
  if (m.type === "mlp" && Array.isArray(m.hidden)) return `mlp ${m.hidden.join("-")}${act}`;
  if (m.type === "cnn") {
    const conv = Array.isArray(m.conv)
      ? m.conv.map((l) => `c${obj(l).filters}k${obj(l).kernel}`).join("-")
      : "";
    const dense = Array.isArray(m.dense) && m.dense.length ? ` d${m.dense.join("-")}` : "";
    return `cnn ${conv}${dense}${act}`;
  }
  return typeof m.type === "string" ? m.type : "";
}

/** Seconds the run took (or has taken so far, while running). */
export function durationS(run: RunRow, now = Date.now()): number | null {
  if (Number.isFinite(run.timings?.total_s)) return run.timings.total_s;
  const start = Date.parse(run.createdAt);
  if (!Number.isFinite(start)) return null;
  const end = run.finishedAt ? Date.parse(run.finishedAt) : run.status === "running" ? now : NaN;
  return Number.isFinite(end) ? Math.max(0, (end - start) / 1000) : null;
}

/** Mean of the finite values (null when none). */
function meanOf(vs: number[]): number | null {
  const m = meanSd(vs);
  return m.n ? m.mean : null;
}

/** The runs-table row of `run`. */
export function summarizeRun(run: RunRow, tags: string[] = []): RunSummary {
  const config = obj(run.config);
  const training = obj(config.training);
  const plugins = Array.isArray(config.plugins)
    ? config.plugins.map((p) => String(obj(p).id ?? p))
    : [];
  const progress = run.progress ?? [];
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    createdAt: run.createdAt,
    finishedAt: run.finishedAt,
    data: describeData(config.data) ||
      (config.analyze
        ? (obj(config.analyze).kind === "features" ? "features" : "activations")
        : ""),
    model: describeModel(config.model),
    seeds: run.seeds?.length ?? 0,
    epochs: typeof training.epochs === "number" ? training.epochs : null,
    progress: typeof training.epochs === "number" && run.seeds?.length
      ? Math.min(
        1,
        progress.reduce((s, p) => s + p.epoch + 1, 0) / (training.epochs * run.seeds.length),
      )
      : null,
    durationS: durationS(run),
    epochsDone: progress.length ? Math.max(...progress.map((p) => p.epoch)) + 1 : null,
    finalLoss: meanOf(progress.map((p) => p.loss)),
    finalAccuracy: meanOf(progress.map((p) => p.accuracy)),
    engine: run.engine,
    backend: run.backend,
    plugins,
    error: run.error,
    pluginErrors: run.pluginErrors?.length ?? 0,
    tags,
  };
}
