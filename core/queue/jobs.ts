/**
 * What a distributed sweep puts on the queue: per variant one job per seed
 * (or one job for all its seeds when a plugin compares seeds with each
 * other) and a final step that computes the seed aggregates once every
 * seed is stored. Each job is self-contained: the validated config as
 * text, the seeds, the text of every plugin file it needs and the sha256
 * of every data file it reads.
 *
 * Ids are deterministic: a variant's key is the sweep name plus a hash of
 * everything its jobs contain (config text, data file hashes, plugin
 * hashes), its run id `<key>.<variant>`, a seed job's id
 * `<run id>.s<seed>` (`<run id>.all` for all seeds) and the final step's
 * `<run id>.final`. Enqueueing the same sweep again finds the same ids, so
 * only what is missing is added; a changed variant gets new ids (and a new
 * run) while the others keep theirs.
 *
 * @module
 */
import { LensError } from "../errors.ts";
import { CONFIG_LIMITS } from "../config.ts";
import { checkRunId } from "../store.ts";
import type { DataFileHash } from "./data_files.ts";
import { sha256Hex } from "./data_files.ts";

/** Name of the BullMQ queue every layerlens job goes through. */
export const QUEUE_NAME = "layerlens";

/** Plugins whose records compare a run's seeds with each other: their variants queue one job. */
export const CROSS_SEED_PLUGINS: readonly string[] = ["reliability"];

/** A plugin file a job needs: its name, text and sha256. */
export interface PluginFile {
  /** File name (no folders), e.g. `my_metric.ts`. */
  name: string;
  /** The file's text. */
  text: string;
  /** Hex sha256 of the text. */
  sha256: string;
}

/** A job that trains some seeds of one variant into the variant's run. */
export interface SeedJobData {
  kind: "seed";
  /** Sweep name. */
  sweep: string;
  /** The variant's key: sweep name plus a hash of the variant's content. */
  sweepKey: string;
  /** Variant name. */
  variant: string;
  /** The variant's run id (shared by all its seed jobs). */
  runId: string;
  /** The variant's validated config (all seeds) as YAML (configToYaml). */
  configText: string;
  /** Seeds this job trains. */
  seeds: number[];
  /** Plugin files the config needs. */
  plugins: PluginFile[];
  /** Data files the config reads, with their hashes. */
  dataFiles: DataFileHash[];
}

/** The final step of a variant: seed aggregates and the run's status. */
export interface FinalJobData {
  kind: "final";
  sweep: string;
  sweepKey: string;
  variant: string;
  runId: string;
  /** All seeds of the variant. */
  seeds: number[];
  /** Epochs each seed trains (the final step checks every seed reached the last). */
  epochs: number;
}

/** What a seed job returns. */
export interface SeedJobResult {
  /** Worker that did it (host:pid). */
  worker: string;
  seeds: number[];
  timings: Record<string, number>;
  pluginErrors: { plugin: string; message: string }[];
}

/** One variant's jobs. */
export interface VariantJobs {
  variant: string;
  runId: string;
  finalId: string;
  final: FinalJobData;
  /** Seed jobs with their ids. */
  seedJobs: { id: string; data: SeedJobData }[];
}

/** What {@link planSweepJobs} needs per variant. */
export interface VariantInput {
  name: string;
  configText: string;
  seeds: number[];
  epochs: number;
  pluginIds: string[];
  dataFiles: DataFileHash[];
}

/** Id of the seed job for `seeds` of the run (`.s<seed>`, or `.all` for several). */
export function seedJobId(runId: string, seeds: readonly number[]): string {
  return seeds.length === 1 ? `${runId}.s${seeds[0]}` : `${runId}.all`;
}

/**
 * The jobs of a sweep, one entry per variant, with deterministic ids.
 * A run id that would be invalid (too long) is a LensError naming it.
 *
 * @example
 * ```ts
 * const [v] = planSweepJobs("depth", [{ name: "d1", configText: "...", seeds: [0, 1],
 *   epochs: 10, pluginIds: ["mi-binned"], dataFiles: [] }], []);
 * v.seedJobs.map((j) => j.id); // ["depth-<hash>.d1.s0", "depth-<hash>.d1.s1"]
 * ```
 */
export function planSweepJobs(
  sweep: string,
  variants: readonly VariantInput[],
  plugins: readonly PluginFile[],
): VariantJobs[] {
  return variants.map((v) => {
    // a variant's identity is its own content: other variants, --variants, do not change it
    const hash = sha256Hex(JSON.stringify({
      config: v.configText,
      data: v.dataFiles,
      plugins: plugins.map((p) => p.sha256),
    })).slice(0, 10);
    const sweepKey = `${sweep}-${hash}`;
    const runId = `${sweepKey}.${v.name}`;
    checkRunId(runId);
    const together = v.pluginIds.some((id) => CROSS_SEED_PLUGINS.includes(id));
    const groups = together ? [v.seeds] : v.seeds.map((s) => [s]);
    const seedJobs = groups.map((seeds) => ({
      id: seedJobId(runId, seeds),
      data: {
        kind: "seed" as const,
        sweep,
        sweepKey,
        variant: v.name,
        runId,
        configText: v.configText,
        seeds,
        plugins: [...plugins],
        dataFiles: v.dataFiles,
      },
    }));
    return {
      variant: v.name,
      runId,
      finalId: `${runId}.final`,
      final: {
        kind: "final",
        sweep,
        sweepKey,
        variant: v.name,
        runId,
        seeds: v.seeds,
        epochs: v.epochs,
      },
      seedJobs,
    };
  });
}

/** Largest config text a job may carry (bytes of UTF-16, roughly). */
const MAX_CONFIG_TEXT = 1 << 20;
/** Largest total plugin text a job may carry. */
const MAX_PLUGIN_TEXT = 8 << 20;

function bad(what: string): LensError {
  return new LensError(`malformed job: ${what}`, {
    code: "queue",
    expected: "a job enqueued by 'lens sweep --queue' of this layerlens version",
  });
}

function str(v: unknown, what: string, max = 4096): string {
  if (typeof v !== "string" || v.length === 0 || v.length > max) throw bad(what);
  return v;
}

function seedList(v: unknown): number[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > CONFIG_LIMITS.seeds) throw bad("seeds");
  for (const s of v) {
    if (!Number.isInteger(s) || s < 0 || s > CONFIG_LIMITS.seedValue) throw bad("seeds");
  }
  return v as number[];
}

/**
 * Checks job data from the queue (hostile input: shapes and sizes bounded)
 * and returns it typed; a LensError (code `queue`) otherwise.
 */
export function readJobData(raw: unknown): SeedJobData | FinalJobData {
  if (typeof raw !== "object" || raw === null) throw bad("not an object");
  const d = raw as Record<string, unknown>;
  const common = {
    sweep: str(d.sweep, "sweep"),
    sweepKey: str(d.sweepKey, "sweepKey"),
    variant: str(d.variant, "variant"),
    runId: str(d.runId, "runId"),
  };
  checkRunId(common.runId);
  if (d.kind === "final") {
    const epochs = d.epochs;
    if (!Number.isInteger(epochs) || (epochs as number) < 1) throw bad("epochs");
    return { kind: "final", ...common, seeds: seedList(d.seeds), epochs: epochs as number };
  }
  if (d.kind !== "seed") throw bad(`kind ${JSON.stringify(d.kind)}`);
  const plugins = d.plugins;
  if (!Array.isArray(plugins) || plugins.length > 64) throw bad("plugins");
  let total = 0;
  for (const p of plugins) {
    if (typeof p !== "object" || p === null) throw bad("plugins");
    const f = p as Record<string, unknown>;
    const name = str(f.name, "plugin name", 255);
    if (!/^[A-Za-z0-9_.-]+\.(ts|js|mjs|mts)$/.test(name)) throw bad(`plugin name ${name}`);
    total += str(f.text, "plugin text", MAX_PLUGIN_TEXT).length;
    if (!/^[0-9a-f]{64}$/.test(str(f.sha256, "plugin sha256"))) throw bad("plugin sha256");
    if (sha256Hex(f.text as string) !== f.sha256) {
      throw bad(`plugin ${name} does not match its hash`);
    }
  }
  if (total > MAX_PLUGIN_TEXT) throw bad("plugins too large");
  const files = d.dataFiles;
  if (!Array.isArray(files) || files.length > 64) throw bad("dataFiles");
  for (const f of files) {
    if (typeof f !== "object" || f === null) throw bad("dataFiles");
    const g = f as Record<string, unknown>;
    str(g.path, "data file path");
    if (!/^[0-9a-f]{64}$/.test(str(g.sha256, "data file sha256"))) throw bad("data file sha256");
  }
  return {
    kind: "seed",
    ...common,
    configText: str(d.configText, "configText", MAX_CONFIG_TEXT),
    seeds: seedList(d.seeds),
    plugins: plugins as PluginFile[],
    dataFiles: files as DataFileHash[],
  };
}
