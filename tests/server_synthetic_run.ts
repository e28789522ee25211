/**
 * Synthetic runs for the dashboard's tests and benchmark: records shaped
 * like a real information-plane experiment (mi-binned I(X;T) and I(T;Y)
 * per layer, sampled epoch and seed; grad-snr norms; a phases transition;
 * an IB curve), written through the Store methods. The shapes only need to
 * look plausible; the values are deterministic so tests can recompute them.
 */
import { logSpacedEpochs } from "../core/schedule.ts";
import type { ResultRecord, Store } from "../core/types.ts";

/** Untrained I(X;T), I(T;Y) of the 12-bit network (docs/methods.md section 6), repeated as needed. */
const IXT0 = [12, 11.997, 11.51, 9.3, 6.44, 1.84];
const ITY0 = [0.999, 0.998, 0.84, 0.36, 0.13, 0.03];
const HY = 0.99916;

/** Deterministic jitter in [-1, 1] from integers. */
function jitter(a: number, b: number, c: number, d: number): number {
  let h = (a * 73856093) ^ (b * 19349663) ^ (c * 83492791) ^ (d * 2654435761);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return ((h ^ (h >>> 16)) >>> 0) / 2147483647.5 - 1;
}

/** What a synthetic run holds. */
export interface SyntheticShape {
  layers: number;
  epochs: number;
  /** Sampled epochs (log-spaced points). */
  points: number;
  seeds: number;
  /** Add grad-snr records and a phases transition. */
  gradients?: boolean;
  /** Add an IB curve (plugin `ib-bound`, metrics ixt / ity on index). */
  ibCurve?: boolean;
}

/** Plugin ids the synthetic records use (overridable when a test registers its own plugins). */
export interface SyntheticIds {
  plane: string;
  snr: string;
  phases: string;
  ib: string;
}

const DEFAULT_IDS: SyntheticIds = {
  plane: "mi-binned",
  snr: "grad-snr",
  phases: "phases",
  ib: "ib-bound",
};

/** I(X;T) and I(T;Y) of layer l at epoch e for seed s. */
export function syntheticPlane(
  l: number,
  e: number,
  s: number,
  epochs: number,
): { ixt: number; ity: number } {
  const t = Math.log1p(e) / Math.log1p(epochs);
  const ixt0 = IXT0[l % IXT0.length], ity0 = ITY0[l % ITY0.length];
  const room = 12 - ixt0;
  const fit = room * 0.6 * Math.min(1, t * 2.2);
  const compress = (ixt0 + fit) * 0.35 * Math.max(0, t - 0.45) * (l / Math.max(1, IXT0.length - 1));
  const ixt = Math.max(0, ixt0 + fit - compress + 0.15 * jitter(l, e, s, 1));
  const ity = Math.min(HY, ity0 + (HY - ity0) * (1 - Math.exp(-5 * t)) + 0.01 * jitter(l, e, s, 2));
  return { ixt, ity: Math.max(0, ity) };
}

/** Records of one sampled epoch of one seed (every layer). */
export function syntheticEpoch(
  shape: SyntheticShape,
  epoch: number,
  seed: number,
  ids: SyntheticIds = DEFAULT_IDS,
): ResultRecord[] {
  const out: ResultRecord[] = [];
  for (let l = 0; l < shape.layers; l++) {
    const layer = l === shape.layers - 1 ? "output" : `dense_${l + 1}`;
    const { ixt, ity } = syntheticPlane(l, epoch, seed, shape.epochs);
    const base = { layer, epoch, seed, index: 0 };
    out.push({ ...base, plugin: ids.plane, metric: "ixt", value: ixt });
    out.push({ ...base, plugin: ids.plane, metric: "ity", value: ity });
    if (shape.gradients && layer !== "output") {
      const t = Math.log1p(epoch) / Math.log1p(shape.epochs);
      const mean = 0.05 * Math.exp(-6 * t) / (1 + l) * (1 + 0.1 * jitter(l, epoch, seed, 3));
      const std = 0.004 * (1 + 2 * t) / (1 + 0.5 * l) * (1 + 0.1 * jitter(l, epoch, seed, 4));
      out.push({ ...base, plugin: ids.snr, metric: "grad_mean", value: mean });
      out.push({ ...base, plugin: ids.snr, metric: "grad_std", value: std });
      out.push({ ...base, plugin: ids.snr, metric: "snr", value: mean / std });
    }
  }
  return out;
}

/**
 * Run-level records shaped like the real plugins': per layer and seed the
 * SNR transition and I(X;T) peak epochs (`phases`, epoch 0), and once the
 * IB curve (`ib-bound`: layer `ib`, seed 0, `ib_ixt` / `ib_ity` by index,
 * index 0 = the largest beta).
 */
export function syntheticRunEnd(
  shape: SyntheticShape,
  seed: number,
  ids: SyntheticIds = DEFAULT_IDS,
): ResultRecord[] {
  const out: ResultRecord[] = [];
  if (shape.gradients) {
    for (let l = 0; l < shape.layers - 1; l++) {
      const base = { plugin: ids.phases, layer: `dense_${l + 1}`, epoch: 0, seed, index: 0 };
      const tr = Math.round(shape.epochs * 0.3 * (1 + 0.05 * l) + 3 * jitter(seed, l, 0, 5));
      out.push({ ...base, metric: "snr_transition_epoch", value: tr });
      out.push({ ...base, metric: "ixt_peak_epoch", value: Math.round(tr * 0.8) });
    }
  }
  if (shape.ibCurve && seed === 0) {
    // hard labels, as the planes': the identity encoder, then H(Y) bits, then nothing
    const corners = [[12, HY], [HY, HY], [0, 0]];
    corners.forEach(([ixt, ity], index) => {
      const base = { plugin: ids.ib, layer: "ib", epoch: 0, seed: 0, index };
      out.push({ ...base, metric: "ib_ixt", value: ixt });
      out.push({ ...base, metric: "ib_ity", value: ity });
    });
  }
  return out;
}

/** Writes a whole finished synthetic run; returns its id. */
export function writeSyntheticRun(
  store: Store,
  shape: SyntheticShape,
  opts: { id?: string; name?: string; ids?: SyntheticIds; finish?: boolean } = {},
): string {
  const ids = opts.ids ?? DEFAULT_IDS;
  const seeds = Array.from({ length: shape.seeds }, (_, i) => i);
  const plugins = [{ id: ids.plane, options: {} }];
  if (shape.gradients) plugins.push({ id: ids.snr, options: {} }, { id: ids.phases, options: {} });
  if (shape.ibCurve) plugins.push({ id: ids.ib, options: {} });
  const runId = store.createRun({
    id: opts.id,
    name: opts.name ?? "synthetic",
    config: {
      name: opts.name ?? "synthetic",
      data: { name: "tishby12", split: "reference", trainFraction: 0.8 },
      model: {
        type: "mlp",
        hidden: [10, 7, 5, 4, 3, 2, 2, 2].slice(0, shape.layers - 1),
        activation: "tanh",
        init: "reference",
      },
      training: {
        epochs: shape.epochs,
        batchSize: 512,
        lr: 0.0004,
        optimizer: "adam",
        shuffle: false,
      },
      schedule: { type: "log", points: shape.points },
      seeds,
      plugins,
    },
    seeds,
    backend: "js",
    engine: "fused",
    versions: { layerlens: "synthetic" },
  });
  const sampled = logSpacedEpochs(shape.epochs, shape.points);
  const batch: ResultRecord[] = [];
  for (const seed of seeds) {
    for (const epoch of sampled) batch.push(...syntheticEpoch(shape, epoch, seed, ids));
    batch.push(...syntheticRunEnd(shape, seed, ids));
  }
  store.appendResults(runId, batch);
  const keep = new Set(sampled);
  for (let e = 0; e < shape.epochs; e += Math.max(1, Math.floor(shape.epochs / 200))) keep.add(e);
  keep.add(shape.epochs - 1);
  for (const seed of seeds) {
    for (const epoch of [...keep].sort((a, b) => a - b)) {
      const t = Math.log1p(epoch) / Math.log1p(shape.epochs);
      store.recordEpoch(runId, {
        seed,
        epoch,
        sampled: true,
        loss: 0.69 * Math.exp(-3 * t) + 0.02 + 0.005 * jitter(seed, epoch, 0, 6),
        accuracy: 0.5 + 0.48 * (1 - Math.exp(-4 * t)),
        testLoss: 0.69 * Math.exp(-2.5 * t) + 0.05,
        testAccuracy: 0.5 + 0.44 * (1 - Math.exp(-4 * t)),
      });
    }
  }
  if (opts.finish !== false) store.finishRun(runId, "completed", { total_s: 42 });
  return runId;
}
