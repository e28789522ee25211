/**
 * Server-side aggregation of a plugin's records into the datasets its
 * {@link ChartSpec} describes, ready to draw: one series per group, points
 * in coordinate order, the seed mean with its spread (sample sd) when
 * several seeds meet at a point, and the epoch of every point when the
 * chart is coloured by epoch. Pure: records in, compact arrays out.
 *
 * @example
 * ```ts
 * const data = chartData(spec, store.queryResults(runId, { plugin: "mi-binned" }));
 * data.series[0].x; // I(X;T) seed means, in epoch order
 * ```
 *
 * @module
 */
import { meanSd } from "../core/aggregate.ts";
import type { ChartSpec, ResultRecord } from "../core/types.ts";

/** One drawable series: parallel arrays, one entry per point. */
export interface ChartSeries {
  /** Legend text, built from the coordinates that vary between series. */
  label: string;
  /** Value of the groupBy coordinate (layer name, seed, or metric). */
  group: string;
  layer?: string;
  metric: string;
  /** Set when the series holds one seed (groupBy seed, or a seed filter). */
  seed?: number;
  /** Set when records of several indices are split apart on an epoch axis. */
  index?: number;
  x: (number | null)[];
  y: (number | null)[];
  /** Sample sd over seeds of x (scatter) per point; absent when every point has one seed. */
  xSd?: (number | null)[];
  /** Sample sd over seeds of y per point; absent when every point has one seed. */
  ySd?: (number | null)[];
  /** Epoch of each point (scatter charts, for colouring and the epoch slider). */
  epoch?: number[];
  /** Seeds averaged at each point. */
  n: number[];
}

/** The aggregated chart. */
export interface ChartData {
  series: ChartSeries[];
  /** Seeds present in the records drawn. */
  seeds: number[];
  /** Distinct epochs of the points, ascending (for the slider). */
  epochs: number[];
}

/** Rounds to 6 significant digits (compact JSON); non-finite values become null. */
export function compact(v: number): number | null {
  if (!Number.isFinite(v)) return null;
  return v === 0 ? 0 : Number(v.toPrecision(6));
}

// the one seed mean (core/aggregate.ts), as the charts' modules import it from here
export { meanSd };

interface Bucket {
  epoch: number;
  index: number;
  xs: number[];
  ys: number[];
}

interface Group {
  group: string;
  layer: string;
  metric: string;
  seed?: number;
  index?: number;
  buckets: Map<string, Bucket>;
}

function distinct<T>(values: Iterable<T>): T[] {
  return [...new Set(values)];
}

/** Legend text from the parts that vary between the groups. */
function labelGroups(groups: Group[], spec: ChartSpec): string[] {
  const many = (f: (g: Group) => unknown) => distinct(groups.map(f)).length > 1;
  const manyMetric = many((g) => g.metric), manyLayer = many((g) => g.layer);
  const manyIndex = many((g) => g.index);
  return groups.map((g) => {
    const parts: string[] = [];
    if (spec.groupBy === "seed") parts.push(`seed ${g.seed}`);
    if (spec.groupBy === "layer" || (manyLayer && g.layer !== "")) parts.push(g.layer);
    if (spec.groupBy === "metric" || manyMetric) parts.push(g.metric);
    if (manyIndex && g.index !== undefined) parts.push(`#${g.index}`);
    return parts.filter((p) => p !== "").join(" ") || g.metric;
  });
}

/**
 * The seed spread of records that are seed means already (a finished
 * run's stored aggregates, see stored_aggregates.ts): the sample sd of a
 * metric at a point, and how many seeds each mean is over.
 */
export interface StoredSpread {
  sd(layer: string, metric: string, epoch: number, index: number): number | undefined;
  n: number;
}

function finish(
  groups: Group[],
  spec: ChartSpec,
  scatter: boolean,
  xField: string,
  stored?: StoredSpread,
) {
  // a bucket of a stored mean: its one value, the stored sd, the run's seed count
  const stat = (vs: number[], g: Group, metric: string, b: Bucket) =>
    stored && vs.length === 1
      ? { mean: vs[0], sd: stored.sd(g.layer, metric, b.epoch, b.index) ?? 0, n: stored.n }
      : meanSd(vs);
  const labels = labelGroups(groups, spec);
  const epochs = new Set<number>();
  const series = groups.map((g, gi): ChartSeries => {
    const buckets = [...g.buckets.values()].sort((a, b) =>
      xField === "index"
        ? a.index - b.index || a.epoch - b.epoch
        : a.epoch - b.epoch || a.index - b.index
    );
    const s: ChartSeries = {
      label: labels[gi],
      group: g.group,
      layer: g.layer,
      metric: g.metric,
      x: [],
      y: [],
      n: [],
    };
    if (g.seed !== undefined) s.seed = g.seed;
    if (g.index !== undefined) s.index = g.index;
    const xSd: (number | null)[] = [], ySd: (number | null)[] = [], ep: number[] = [];
    let spread = false;
    for (const b of buckets) {
      const y = stat(b.ys, g, g.metric, b);
      if (scatter) {
        const x = stat(b.xs, g, spec.x.metric!, b);
        s.x.push(compact(x.mean));
        xSd.push(compact(x.sd));
      } else {
        s.x.push(xField === "index" ? b.index : b.epoch);
      }
      s.y.push(compact(y.mean));
      ySd.push(compact(y.sd));
      s.n.push(y.n);
      ep.push(b.epoch);
      epochs.add(b.epoch);
      if (y.n > 1) spread = true;
    }
    if (spread) {
      s.ySd = ySd;
      if (scatter) s.xSd = xSd;
    }
    if (scatter || spec.colorBy === "epoch") s.epoch = ep;
    return s;
  });
  return { series, epochs: [...epochs].sort((a, b) => a - b) };
}

/** Dense small-integer ids for the values of one coordinate. */
function interner<T>() {
  const ids = new Map<T, number>();
  const values: T[] = [];
  return {
    id(v: T): number {
      let i = ids.get(v);
      if (i === undefined) {
        i = values.length;
        ids.set(v, i);
        values.push(v);
      }
      return i;
    },
    values,
  };
}

/**
 * Aggregates `records` (one run, any plugins) into the series of `spec`.
 * Seeds are averaged unless the chart groups by seed. With `stored`, the
 * records are seed means already (one per point) and `stored` gives their
 * sd and seed count. Records of other
 * metrics are ignored. Keys are small integers (coordinates interned), so
 * a page of 6 layers x 274 epochs x 20 seeds aggregates in milliseconds.
 */
export function chartData(
  spec: ChartSpec,
  records: readonly ResultRecord[],
  stored?: StoredSpread,
): ChartData {
  const scatter = spec.type === "scatter" && !!spec.x.metric;
  const xField = spec.x.field ?? "epoch";
  const xMetric = scatter ? spec.x.metric! : undefined;
  const metrics = interner<string>();
  for (const m of spec.y.metrics) metrics.id(m);
  const xm = xMetric === undefined ? -1 : metrics.id(xMetric);
  const nY = spec.y.metrics.length;
  const layers = interner<string>(), epochsI = interner<number>();
  const seedsI = interner<number>(), indices = interner<number>();

  // Pass 1: the records drawn, as interned coordinates.
  const n = records.length;
  const rl = new Int32Array(n), re = new Int32Array(n), rs = new Int32Array(n);
  const ri = new Int32Array(n), rm = new Int32Array(n), rv = new Float64Array(n);
  let k = 0;
  for (const r of records) {
    const m = metrics.id(r.metric);
    if (m >= nY && m !== xm) continue;
    rl[k] = layers.id(r.layer);
    re[k] = epochsI.id(r.epoch);
    rs[k] = seedsI.id(r.seed);
    ri[k] = indices.id(r.index);
    rm[k] = m;
    rv[k] = r.value;
    k++;
  }
  const L = layers.values.length, E = epochsI.values.length;
  const S = seedsI.values.length, I = indices.values.length;
  const bySeed = spec.groupBy === "seed";

  // Which (layer, metric) pairs hold several indices (split on an epoch
  // axis), and their latest epoch (the only one drawn on an index axis).
  const pairIndices = new Map<number, Set<number>>();
  const lastEpoch = new Map<number, number>();
  if (!scatter) {
    for (let j = 0; j < k; j++) {
      if (rm[j] >= nY) continue;
      const pair = rl[j] * nY + rm[j];
      let set = pairIndices.get(pair);
      if (!set) pairIndices.set(pair, set = new Set());
      set.add(ri[j]);
      const e = epochsI.values[re[j]];
      if (e > (lastEpoch.get(pair) ?? -Infinity)) lastEpoch.set(pair, e);
    }
  }

  // x values of a scatter, joined on (layer, epoch, seed, index).
  const joinSize = L * E * S * I;
  const xs = scatter ? new Float64Array(joinSize).fill(NaN) : new Float64Array(0);
  const joinKey = (j: number) => ((rl[j] * E + re[j]) * S + rs[j]) * I + ri[j];
  if (scatter) { for (let j = 0; j < k; j++) if (rm[j] === xm) xs[joinKey(j)] = rv[j]; }

  const groups = new Map<number, Group & { bucketsById: Map<number, Bucket> }>();
  const seeds = new Set<number>();
  for (let j = 0; j < k; j++) {
    const m = rm[j];
    if (m >= nY) continue;
    let x = NaN;
    if (scatter) {
      x = xs[joinKey(j)];
      if (Number.isNaN(x)) continue;
    }
    const pair = rl[j] * nY + m;
    const epoch = epochsI.values[re[j]];
    if (!scatter && xField === "index" && epoch !== lastEpoch.get(pair)) continue;
    const split = !scatter && xField === "epoch" && pairIndices.get(pair)!.size > 1;
    const gKey = (pair * (S + 1) + (bySeed ? rs[j] : S)) * (I + 1) + (split ? ri[j] : I);
    let g = groups.get(gKey);
    if (!g) {
      const layer = layers.values[rl[j]], metric = spec.y.metrics[m];
      const seed = bySeed ? seedsI.values[rs[j]] : undefined;
      g = {
        group: spec.groupBy === "seed" ? String(seed) : spec.groupBy === "metric" ? metric : layer,
        layer,
        metric,
        seed,
        index: split ? indices.values[ri[j]] : undefined,
        buckets: new Map(),
        bucketsById: new Map(),
      };
      groups.set(gKey, g);
    }
    const bKey = re[j] * I + ri[j];
    let b = g.bucketsById.get(bKey);
    if (!b) {
      b = { epoch, index: indices.values[ri[j]], xs: [], ys: [] };
      g.bucketsById.set(bKey, b);
      g.buckets.set(String(bKey), b);
    }
    if (scatter) b.xs.push(x);
    b.ys.push(rv[j]);
    seeds.add(seedsI.values[rs[j]]);
  }
  // Groups in the order the plugin wrote them (layers input to output, its
  // own order of variants), seeds ascending; within a group, metrics in spec order.
  const firstSeen = new Map<string, number>();
  for (const g of groups.values()) {
    if (!firstSeen.has(g.group)) firstSeen.set(g.group, firstSeen.size);
  }
  const ordered = [...groups.values()].sort((a, b) =>
    (bySeed ? a.seed! - b.seed! : firstSeen.get(a.group)! - firstSeen.get(b.group)!) ||
    a.layer.localeCompare(b.layer, undefined, { numeric: true }) ||
    spec.y.metrics.indexOf(a.metric) - spec.y.metrics.indexOf(b.metric) ||
    (a.index ?? 0) - (b.index ?? 0)
  );
  const { series, epochs } = finish(ordered, spec, scatter, xField, stored);
  return { series, seeds: [...seeds].sort((a, b) => a - b), epochs };
}

/** A curve of another plugin drawn on a chart's axes (e.g. the IB bound). */
export interface OverlayCurve {
  label: string;
  layer: string;
  x: (number | null)[];
  y: (number | null)[];
}

/**
 * The overlay curve(s): records of metrics `x` and `y` joined on
 * (layer, epoch, seed, index), averaged over seeds, one curve per layer,
 * points in index order.
 */
export function overlayCurves(
  overlay: NonNullable<ChartSpec["overlay"]>,
  records: readonly ResultRecord[],
): OverlayCurve[] {
  const spec: ChartSpec = {
    id: "overlay",
    title: overlay.label,
    type: "scatter",
    x: { metric: overlay.x, field: "index", label: overlay.x },
    y: { metrics: [overlay.y], label: overlay.y },
    groupBy: "layer",
  };
  const { series } = chartData(spec, records);
  return series.map((s) => ({
    label: series.length > 1 && s.layer ? `${overlay.label} (${s.layer})` : overlay.label,
    layer: s.layer ?? "",
    x: s.x,
    y: s.y,
  }));
}

/** A vertical line at an epoch (e.g. the detected SNR transition). */
export interface ChartMarker {
  label: string;
  layer: string;
  /** Seed mean of the marked epoch. */
  value: number;
  /** Its sample sd over seeds (0 for one seed). */
  sd: number;
}

/** Markers from records of one metric: seed mean per layer. */
export function markersFrom(
  label: string,
  records: readonly ResultRecord[],
  metric: string,
): ChartMarker[] {
  const byLayer = new Map<string, number[]>();
  for (const r of records) {
    if (r.metric !== metric) continue;
    let vs = byLayer.get(r.layer);
    if (!vs) byLayer.set(r.layer, vs = []);
    vs.push(r.value);
  }
  const out: ChartMarker[] = [];
  for (const [layer, vs] of byLayer) {
    const { mean, sd, n } = meanSd(vs);
    if (n > 0) out.push({ label, layer, value: compact(mean)!, sd: compact(sd) ?? 0 });
  }
  return out.sort((a, b) => a.layer.localeCompare(b.layer, undefined, { numeric: true }));
}
