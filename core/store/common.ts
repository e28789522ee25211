/**
 * What both run-store backends share: run ids, the liveness probe of a
 * writing process on this host, checks of what is written (result records,
 * model parameters) and the mapping of stored values back to JavaScript
 * (NaN for NULL, float32 arrays from bytes).
 *
 * @module
 */
import process from "node:process";
import { RECORD_SHAPE, recordProblem } from "../check_record.ts";
import { LensError } from "../errors.ts";
import type {
  EpochRow,
  LayerParams,
  ResultFilter,
  ResultRecord,
  RunCopy,
  RunRow,
  RunStatus,
  Store,
} from "../types.ts";

/** Ids a caller may choose: short, URL- and file-name-safe. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Throws a usage error unless `id` is a valid run id (letters, digits, `_ . -`, at most 128). */
export function checkRunId(id: string): void {
  if (typeof id !== "string" || !RUN_ID.test(id)) {
    throw new LensError(`run id ${JSON.stringify(id)} is not a valid id`, {
      code: "usage",
      field: "run id",
      expected: "1-128 characters from A-Z a-z 0-9 _ . - starting with a letter or digit",
    });
  }
}

/**
 * A new run id: UTC date and minute, then 4 random hex digits, e.g.
 * `20261124-0153-a3f2`. Ids sort by creation time (to the minute).
 */
export function newRunId(now: Date = new Date()): string {
  const iso = now.toISOString(); // 2026-11-24T01:53:07.123Z
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${
    iso.slice(14, 16)
  }`;
  const rand = crypto.getRandomValues(new Uint16Array(1))[0].toString(16).padStart(4, "0");
  return `${stamp}-${rand}`;
}

/** What {@link Store.createRun} is given. */
type RunInit = Parameters<Store["createRun"]>[0];

/**
 * The id a new run gets: the one asked for (checked, and refused as a
 * `usage` error naming `file` when `exists` says it is taken), or a fresh
 * one that is not taken.
 */
export function chooseRunId(
  asked: string | undefined,
  exists: (id: string) => boolean,
  file: string,
): string {
  if (asked === undefined) {
    let id: string;
    do id = newRunId(); while (exists(id));
    return id;
  }
  checkRunId(asked);
  if (exists(asked)) {
    throw new LensError(`a run with id "${asked}" already exists`, {
      code: "usage",
      file,
      field: "run id",
      expected: "a new id",
    });
  }
  return asked;
}

/** Columns of a new run's row, in the order of {@link newRunValues}. */
export const NEW_RUN_COLUMNS =
  "id, name, status, config, seeds, backend, engine, versions, timings, created_at, pid, host";

/** The values of a new (running) run's row, in the order of {@link NEW_RUN_COLUMNS}. */
export function newRunValues(id: string, init: RunInit, host: string): (string | number)[] {
  return [
    id,
    init.name,
    "running",
    JSON.stringify(init.config),
    JSON.stringify(init.seeds),
    init.backend,
    init.engine,
    JSON.stringify(init.versions),
    "{}",
    new Date().toISOString(),
    Deno.pid,
    host,
  ];
}

/** Columns of a run row copied whole from another store ({@link copiedRunValues} order). */
export const COPIED_RUN_COLUMNS = "id, name, status, config, seeds, backend, engine, versions, " +
  "timings, created_at, finished_at, error, pid, host";

/** The values of a copied run's row, in the order of {@link COPIED_RUN_COLUMNS}. */
export function copiedRunValues(copy: RunCopy): (string | number | null)[] {
  const { run, writer } = copy;
  return [
    run.id,
    run.name,
    run.status,
    JSON.stringify(run.config),
    JSON.stringify(run.seeds),
    run.backend,
    run.engine,
    JSON.stringify(run.versions),
    JSON.stringify(run.timings),
    run.createdAt,
    run.finishedAt,
    run.error,
    writer.pid,
    writer.host,
  ];
}

/** Checks a run copied from another store before anything is written (its id, records, models). */
export function checkRunCopy(copy: RunCopy): void {
  checkRunId(copy.run.id);
  copy.records.forEach(checkRecord);
  for (const m of copy.models) {
    checkSeed(m.seed);
    m.params.forEach(checkLayerParams);
  }
}

/** A stored model's parameters from its rows (layer, kernel_shape, kernel, bias; in idx order). */
export function modelFromRows(rows: Record<string, unknown>[]): LayerParams[] | undefined {
  if (!rows.length) return undefined;
  return rows.map((r) => ({
    name: r.layer as string,
    kernelShape: parseJson<number[]>(r.kernel_shape as string, []),
    kernel: floatsOf(r.kernel),
    bias: floatsOf(r.bias),
  }));
}

/**
 * Whether process `pid` is alive on this machine. A zombie (exited, not yet
 * reaped) counts as gone.
 */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (Deno.build.os === "linux") {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
      // "pid (comm) S ...": the state follows the last ')'
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      return state !== "Z" && state !== "X";
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return false;
      // /proc unreadable: fall back to a signal probe
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === "EPERM"; // exists, owned by someone else
  }
}

/** `text` parsed as JSON; `fallback` when it is null or not JSON. */
export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null || text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

/** A stored number; NULL (SQLite stores NaN as NULL) reads back as NaN. */
export function num(v: unknown): number {
  return v === null || v === undefined ? NaN : Number(v);
}

/** A stored number, or null for NULL. */
export function numOrNull(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

/** `v`, or null when it is undefined (an optional column). */
export function orNull(v: number | undefined): number | null {
  return v === undefined || v === null ? null : v;
}

/** Throws unless record `i` has the types of a {@link ResultRecord}. */
export function checkRecord(r: ResultRecord, i: number): void {
  const problem = recordProblem(r);
  if (problem) {
    throw new LensError(`record ${i} is not a result record: ${problem}`, {
      code: "store",
      field: `records[${i}]`,
      expected: RECORD_SHAPE,
    });
  }
}

/** The bytes of a float32 array, for a BLOB (a view, no copy). */
export function blobOf(a: Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** A float32 array read back from a BLOB (copied, so aligned). */
export function floatsOf(v: unknown): Float32Array {
  const u = v as Uint8Array;
  return new Float32Array(u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength));
}

/** Throws unless `p` is one hook point's parameters with consistent sizes. */
export function checkLayerParams(p: LayerParams, i: number): void {
  const ok = p !== null && typeof p === "object" && typeof p.name === "string" &&
    Array.isArray(p.kernelShape) && p.kernelShape.every((d) => Number.isInteger(d) && d > 0) &&
    p.kernel instanceof Float32Array && p.bias instanceof Float32Array &&
    p.kernel.length === p.kernelShape.reduce((a, d) => a * d, 1) &&
    p.bias.length === p.kernelShape[p.kernelShape.length - 1];
  if (!ok) {
    throw new LensError(`parameters ${i} are not one hook point's kernel and bias`, {
      code: "store",
      field: `params[${i}]`,
      expected: "{ name, kernelShape, kernel: Float32Array (product of the shape), " +
        "bias: Float32Array (last dimension) }",
    });
  }
}

/** How a store is opened (both backends). */
export interface OpenStoreOptions {
  /**
   * Read only (the reading commands): the file is never created, changed
   * or migrated; a path with no database is a `not_found` error.
   */
  readOnly?: boolean;
  /** Refuse (`not_found`) rather than create a database that does not exist (implied by readOnly). */
  mustExist?: boolean;
}

/** A SQL value a filter binds. */
export type FilterValue = string | number;

/**
 * The WHERE clause (without the keyword) and its parameters selecting a
 * run's records by `filter`; `placeholder(n)` writes the n-th parameter
 * (1-based: `?` for SQLite, `$n` for PostgreSQL). Undefined when the filter
 * matches nothing (an empty metric list).
 */
export function resultWhere(
  runId: string,
  filter: ResultFilter,
  placeholder: (n: number) => string,
): { where: string; params: FilterValue[] } | undefined {
  const params: FilterValue[] = [runId];
  const where = [`run_id = ${placeholder(1)}`];
  const add = (sql: string, v: FilterValue) => {
    params.push(v);
    where.push(`${sql} ${placeholder(params.length)}`);
  };
  if (filter.plugin !== undefined) add("plugin =", filter.plugin);
  if (filter.layer !== undefined) add("layer =", filter.layer);
  if (filter.metric !== undefined) {
    const metrics = Array.isArray(filter.metric) ? filter.metric : [filter.metric];
    if (!metrics.length) return undefined;
    const marks = metrics.map((m) => {
      params.push(m);
      return placeholder(params.length);
    });
    where.push(`metric IN (${marks.join(", ")})`);
  }
  if (filter.seed !== undefined) add("seed =", filter.seed);
  if (filter.epochMin !== undefined) add("epoch >=", filter.epochMin);
  if (filter.epochMax !== undefined) add("epoch <=", filter.epochMax);
  if (filter.afterId !== undefined) add("id >", filter.afterId);
  return { where: where.join(" AND "), params };
}

/** ` LIMIT n` for a filter with a limit (floored, at least 0), else "". */
export function limitClause(filter: ResultFilter): string {
  return filter.limit !== undefined ? ` LIMIT ${Math.max(0, Math.floor(filter.limit))}` : "";
}

/** The SELECT list of {@link resultRecord} rows. */
export const RESULT_COLUMNS = "id, plugin, layer, epoch, seed, idx, metric, value";

/** One stored record from a row of {@link RESULT_COLUMNS} (NULL value reads as NaN). */
export function resultRecord(r: unknown[]): ResultRecord & { id: number } {
  return {
    id: Number(r[0]),
    plugin: r[1] as string,
    layer: r[2] as string,
    epoch: Number(r[3]),
    seed: Number(r[4]),
    index: Number(r[5]),
    metric: r[6] as string,
    value: r[7] === null ? NaN : Number(r[7]),
  };
}

/** A `runs` row as both backends read it (column names as in the schema). */
export type StoredRun = Record<string, unknown>;

/**
 * A {@link RunRow} from a `runs` row, its plugin errors and its latest
 * epoch per seed; `gone` (the message for a dead writer) turns a `running`
 * run into `interrupted`.
 */
export function runFromRow(
  r: StoredRun,
  pluginErrors: { plugin: string; message: string }[],
  progress: Record<string, unknown>[],
  gone?: string,
): RunRow {
  return {
    id: r.id as string,
    name: r.name as string,
    status: gone ? "interrupted" : r.status as RunStatus,
    config: parseJson(r.config as string, {}),
    seeds: parseJson(r.seeds as string, []),
    backend: r.backend as string,
    engine: r.engine as string,
    versions: parseJson(r.versions as string, {}),
    timings: parseJson(r.timings as string, {}),
    createdAt: r.created_at as string,
    finishedAt: (r.finished_at as string | null) ?? null,
    error: gone ?? (r.error as string | null) ?? null,
    pluginErrors: pluginErrors.map((e) => ({ plugin: e.plugin, message: e.message })),
    progress: progress.map((e) => ({
      seed: Number(e.seed),
      epoch: Number(e.epoch),
      loss: num(e.loss),
      accuracy: num(e.accuracy),
    })),
  };
}

/** One `epochs` row as {@link Store.epochsSince} returns it. */
export function epochFromRow(r: Record<string, unknown>): EpochRow & { id: number } {
  return {
    id: Number(r.id),
    seed: Number(r.seed),
    epoch: Number(r.epoch),
    loss: num(r.loss),
    accuracy: num(r.accuracy),
    testLoss: numOrNull(r.test_loss),
    testAccuracy: numOrNull(r.test_accuracy),
  };
}

/** Throws a `store` error unless `seed` is an integer (saveModel). */
export function checkSeed(seed: number): void {
  if (!Number.isInteger(seed)) {
    throw new LensError(`seed ${seed} is not an integer`, {
      code: "store",
      field: "seed",
      expected: "an integer seed",
    });
  }
}
