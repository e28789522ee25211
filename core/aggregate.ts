/**
 * Aggregation over seeds: for every series point measured on two or more
 * seeds, its mean, sample standard deviation and quartiles.
 *
 * @module
 */
import type { ResultRecord } from "./types.ts";

/**
 * Quantile `p` in [0, 1] of ascending `sorted` values with linear
 * interpolation between order statistics (numpy's default, `method =
 * "linear"`): position h = (n - 1) p, value = x[floor h] + (h - floor h)
 * (x[floor h + 1] - x[floor h]).
 *
 * @example
 * ```ts
 * quantileSorted([1, 2, 3, 4], 0.25); // 1.75
 * ```
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Mean and sample standard deviation (n - 1) of the finite values of `vs`,
 * and how many there are: what a seed mean is everywhere (the stored
 * aggregates, charts, tables, sweep summaries). Mean NaN when there are
 * none (sd NaN); sd 0 for one value.
 *
 * @example
 * ```ts
 * meanSd([1, 2, NaN, 4]); // { mean: 2.3333333333333335, sd: 1.5275252316519468, n: 3 }
 * ```
 */
export function meanSd(vs: readonly number[]): { mean: number; sd: number; n: number } {
  let n = 0, s = 0;
  for (const v of vs) {
    if (Number.isFinite(v)) {
      n++;
      s += v;
    }
  }
  if (n === 0) return { mean: NaN, sd: NaN, n: 0 };
  const mean = s / n;
  let ss = 0;
  for (const v of vs) if (Number.isFinite(v)) ss += (v - mean) ** 2;
  return { mean, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n };
}

/**
 * Seed aggregates of `records`: for every series point (plugin, layer,
 * metric, epoch, index) with finite values from 2 or more seeds (seed >= 0;
 * records of seed < 0 are aggregates already and are ignored), four
 * records with seed -1 and metrics `<m>_mean`, `<m>_sd` (sample standard
 * deviation, n - 1), `<m>_q25`, `<m>_q75` (numpy-style linear quantiles).
 * One value per seed: if a seed repeats a point, its last value counts.
 * Non-finite values are left out. Output order follows each point's first
 * appearance. Pure: the input is not changed, extra fields (such as a
 * store's `id`) are not copied.
 *
 * @example
 * ```ts
 * const recs = [1, 2, 4].map((value, seed) => ({
 *   plugin: "mi-binned", layer: "dense_1", epoch: 0, seed, index: 0, metric: "ixt", value,
 * }));
 * aggregateSeeds(recs).map((r) => `${r.metric}=${r.value}`);
 * // ["ixt_mean=2.3333333333333335", "ixt_sd=1.5275252316519468", "ixt_q25=1.5", "ixt_q75=3"]
 * ```
 */
export function aggregateSeeds(records: readonly ResultRecord[]): ResultRecord[] {
  const groups = new Map<string, { head: ResultRecord; bySeed: Map<number, number> }>();
  for (const r of records) {
    if (!(r.seed >= 0)) continue;
    const key = JSON.stringify([r.plugin, r.layer, r.metric, r.epoch, r.index ?? 0]);
    let g = groups.get(key);
    if (!g) {
      g = { head: r, bySeed: new Map() };
      groups.set(key, g);
    }
    if (Number.isFinite(r.value)) g.bySeed.set(r.seed, r.value);
    else g.bySeed.delete(r.seed);
  }
  const out: ResultRecord[] = [];
  for (const { head, bySeed } of groups.values()) {
    const n = bySeed.size;
    if (n < 2) continue;
    const values = [...bySeed.values()].sort((a, b) => a - b);
    const { mean, sd } = meanSd(values);
    const base = {
      plugin: head.plugin,
      layer: head.layer,
      epoch: head.epoch,
      seed: -1,
      index: head.index ?? 0,
    };
    out.push(
      { ...base, metric: `${head.metric}_mean`, value: mean },
      { ...base, metric: `${head.metric}_sd`, value: sd },
      { ...base, metric: `${head.metric}_q25`, value: quantileSorted(values, 0.25) },
      { ...base, metric: `${head.metric}_q75`, value: quantileSorted(values, 0.75) },
    );
  }
  return out;
}
