/**
 * Validation of query strings: a bad parameter is a {@link LensError} with
 * code `filter` naming the parameter and what it should hold (answered 400).
 *
 * @example
 * ```ts
 * const { filter } = parseQuery(new URL(req.url).searchParams, { results: true });
 * store.queryResults(runId, filter);
 * ```
 *
 * @module
 */
import { LensError } from "../core/errors.ts";
import type { ResultFilter } from "../core/types.ts";

const NAME = /^[A-Za-z0-9_.:+\-]+$/;

/** Parameters every results-like endpoint accepts, mapped to {@link ResultFilter}. */
const FILTER_KEYS = ["plugin", "layer", "metric", "seed", "epoch_min", "epoch_max", "after_id"];

function bad(param: string, message: string, expected: string): LensError {
  return new LensError(message, { code: "filter", field: param, expected });
}

/** A single value of `param`; repeated parameters are refused. */
function single(params: URLSearchParams, param: string): string | undefined {
  const all = params.getAll(param);
  if (all.length > 1) throw bad(param, `given ${all.length} times`, "one value");
  return all[0];
}

/** An integer-valued parameter (`-1` allowed where `min` is -1). */
export function intParam(
  params: URLSearchParams,
  param: string,
  min = -Infinity,
): number | undefined {
  const raw = single(params, param);
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isInteger(v) || v < min) {
    const want = min === -Infinity ? "an integer" : `an integer >= ${min}`;
    throw bad(param, `got "${raw}"`, want);
  }
  return v;
}

/** A name-like parameter (plugin, layer, format...). */
export function nameParam(params: URLSearchParams, param: string): string | undefined {
  const raw = single(params, param);
  if (raw === undefined) return undefined;
  if (raw.length === 0 || raw.length > 200) {
    throw bad(param, `got "${raw.slice(0, 40)}"`, "a non-empty name of at most 200 characters");
  }
  return raw;
}

/** Refuses parameters the endpoint does not know (typos would silently match everything). */
export function onlyKnown(params: URLSearchParams, known: readonly string[]): void {
  for (const key of params.keys()) {
    if (!known.includes(key)) {
      throw bad(key, "unknown query parameter", `one of ${known.join(", ")}`);
    }
  }
}

/**
 * Reads the record filter (plugin, layer, metric comma list, seed,
 * epoch_min, epoch_max, after_id) from `params`, refusing any parameter not
 * in the filter or in `extra`.
 */
export function parseFilter(params: URLSearchParams, extra: readonly string[] = []): ResultFilter {
  onlyKnown(params, [...FILTER_KEYS, ...extra]);
  const filter: ResultFilter = {};
  const plugin = nameParam(params, "plugin");
  if (plugin !== undefined) filter.plugin = plugin;
  const layer = nameParam(params, "layer");
  if (layer !== undefined) filter.layer = layer;
  const metric = single(params, "metric");
  if (metric !== undefined) {
    const names = metric.split(",").map((m) => m.trim());
    if (names.some((m) => !NAME.test(m))) {
      throw bad(
        "metric",
        `got "${metric.slice(0, 80)}"`,
        "a comma-separated list of metric names (letters, digits, _ . : + -)",
      );
    }
    filter.metric = names.length === 1 ? names[0] : names;
  }
  const seed = intParam(params, "seed", -1);
  if (seed !== undefined) filter.seed = seed;
  const epochMin = intParam(params, "epoch_min");
  if (epochMin !== undefined) filter.epochMin = epochMin;
  const epochMax = intParam(params, "epoch_max");
  if (epochMax !== undefined) filter.epochMax = epochMax;
  if (epochMin !== undefined && epochMax !== undefined && epochMin > epochMax) {
    throw bad("epoch_min", `${epochMin} is above epoch_max ${epochMax}`, "epoch_min <= epoch_max");
  }
  const afterId = intParam(params, "after_id", 0);
  if (afterId !== undefined) filter.afterId = afterId;
  return filter;
}
