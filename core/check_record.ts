/**
 * The shape a stored result record must have, checked where records enter:
 * when a plugin emits them (core/plugin_host.ts: a bad record fails that
 * plugin only) and when they are written (core/store.ts).
 *
 * @module
 */
import type { ResultRecord } from "./types.ts";

/** What a result record holds, for error messages. */
export const RECORD_SHAPE =
  "{ layer: a string; metric: a non-empty string (both at most 200 characters); epoch: a finite number; seed, index: integers; " +
  "value: a number }";

/** Longest layer or metric name accepted (characters). */
export const MAX_NAME_LENGTH = 200;

function shown(v: unknown): string {
  let s: string | undefined;
  try {
    s = JSON.stringify(v);
  } catch {
    s = undefined;
  }
  s ??= String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

function name(v: unknown, allowEmpty = false): boolean {
  return typeof v === "string" && (allowEmpty || v.length > 0) && v.length <= MAX_NAME_LENGTH;
}

/**
 * Why `r` is not a valid result record (the first field at fault and its
 * value), or undefined when it is one.
 *
 * @example
 * ```ts
 * recordProblem({ plugin: "p", layer: "l", epoch: 0, seed: 0, index: 0, metric: "m", value: "x" });
 * // 'value is "x", not a number'
 * ```
 */
export function recordProblem(r: ResultRecord): string | undefined {
  if (r === null || typeof r !== "object") return `the record is ${shown(r)}, not an object`;
  if (!name(r.plugin)) return `plugin is ${shown(r.plugin)}, not a plugin id`;
  if (!name(r.layer, true)) return `layer is ${shown(r.layer)}, not a name`;
  if (!name(r.metric)) return `metric is ${shown(r.metric)}, not a name`;
  if (typeof r.value !== "number") return `value is ${shown(r.value)}, not a number`;
  if (typeof r.epoch !== "number" || !Number.isFinite(r.epoch)) {
    return `epoch is ${shown(r.epoch)}, not a finite number`;
  }
  if (!Number.isInteger(r.seed)) return `seed is ${shown(r.seed)}, not an integer`;
  if (!Number.isInteger(r.index)) return `index is ${shown(r.index)}, not an integer`;
  return undefined;
}
