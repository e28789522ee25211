/**
 * Coalitions of feature components fed to the upper layers g ([Ren],
 * docs/methods.md section 9), evaluated in large batches through
 * `ModelHandle.forwardFrom`.
 *
 * The feature of coalition S on sample x is `base + sum_{l in S} p_l(x)`:
 *
 * - baseline `zero`: base = 0 and p_l = c^(l) (absent components are not
 *   added; the empty coalition feeds g(0));
 * - baseline `mean`: absent components are replaced by their mean over the
 *   training samples: base = sum_l mean(c^(l)) and p_l = c^(l) - mean(c^(l)),
 *   so the empty coalition feeds the mean feature and the full one Phi^(L)
 *   (f itself when the residual is a player).
 *
 * Loss is the cross-entropy of the true label, -log max(p_y, 1e-7) (the
 * clipping of tf/keras categorical cross-entropy).
 *
 * @module
 */
import type { ModelHandle } from "../../core/types.ts";
import type { ComponentSplit } from "./artifact.ts";
import { residualOf } from "./components.ts";
import { columnMeans } from "./variance.ts";

/** Baseline for absent components. */
export type Baseline = "zero" | "mean";

/** Players of one split, ready to combine. */
export interface PlayerSet {
  n: number;
  dim: number;
  /** Added to every coalition's feature (one row, length dim). */
  base: Float32Array;
  /** One n-by-dim array per player. */
  players: Float32Array[];
  labels: Int32Array;
}

/** Per-dimension means of each component (and the residual) on the training split. */
export function playerMeans(train: ComponentSplit, withResidual: boolean): Float32Array[] {
  const dim = train.f.length / Math.max(1, train.n);
  const arrays = withResidual
    ? [...train.components, residualOf(train.f, train.components)]
    : train.components;
  return arrays.map((a) => Float32Array.from(columnMeans(a, train.n, dim)));
}

/**
 * The players of `split` under `baseline`: components c^(1..L), plus the
 * residual f - Phi^(L) as player L+1 when `withResidual`. `means` are the
 * training means from {@link playerMeans} (used by the `mean` baseline).
 */
export function buildPlayers(
  split: ComponentSplit,
  baseline: Baseline,
  withResidual: boolean,
  means: Float32Array[],
): PlayerSet {
  const dim = split.n ? split.f.length / split.n : means[0]?.length ?? 0;
  const raw = withResidual
    ? [...split.components, residualOf(split.f, split.components)]
    : split.components;
  const base = new Float32Array(dim);
  if (baseline === "zero") return { n: split.n, dim, base, players: raw, labels: split.labels };
  const players = raw.map((a, l) => {
    const m = means[l];
    for (let j = 0; j < dim; j++) base[j] += m[j];
    const c = new Float32Array(a.length);
    for (let i = 0; i < a.length; i++) c[i] = a[i] - m[i % dim];
    return c;
  });
  return { n: split.n, dim, base, players, labels: split.labels };
}

/** Mean loss and accuracy of g on each coalition. */
export interface CoalitionScores {
  /** Mean cross-entropy per mask, in the order given. */
  loss: Float64Array;
  accuracy: Float64Array;
}

/**
 * Feeds every coalition in `masks` (bit l-1 = player l) to the layers
 * above `layer`, `chunkRows` rows per forward pass, and scores the output
 * against the labels.
 *
 * @example
 * ```ts
 * const masks = Array.from({ length: 64 }, (_, m) => m);
 * const { loss } = await evaluateCoalitions(model, "dense_2", players, masks);
 * ```
 */
export async function evaluateCoalitions(
  model: ModelHandle,
  layer: string,
  set: PlayerSet,
  masks: number[],
  chunkRows = 65536,
): Promise<CoalitionScores> {
  const { n, dim, base, players, labels } = set;
  const loss = new Float64Array(masks.length);
  const accuracy = new Float64Array(masks.length);
  if (n === 0) return { loss: loss.fill(NaN), accuracy: accuracy.fill(NaN) };
  const total = masks.length * n;
  const step = Math.max(1, Math.min(chunkRows, total));
  const buf = new Float32Array(step * dim);
  for (let v0 = 0; v0 < total; v0 += step) {
    const rows = Math.min(step, total - v0);
    const feats = buf.subarray(0, rows * dim);
    // Fill: for each run of rows sharing one mask, base + the mask's players.
    for (let r = 0; r < rows;) {
      const v = v0 + r;
      const mi = Math.floor(v / n);
      const i0 = v - mi * n;
      const len = Math.min(n - i0, rows - r);
      const out = feats.subarray(r * dim, (r + len) * dim);
      for (let i = 0; i < len; i++) out.set(base, i * dim);
      const m = masks[mi];
      for (let l = 0; l < players.length; l++) {
        if (!(m & (1 << l))) continue;
        const p = players[l].subarray(i0 * dim, (i0 + len) * dim);
        for (let j = 0; j < out.length; j++) out[j] += p[j];
      }
      r += len;
    }
    const probs = await model.forwardFrom(layer, { data: feats, rows, cols: dim });
    const k = probs.cols;
    for (let r = 0; r < rows; r++) {
      const v = v0 + r;
      const mi = Math.floor(v / n);
      const y = labels[v - mi * n];
      const o = r * k;
      const py = probs.data[o + y];
      loss[mi] -= Math.log(Math.max(py, 1e-7));
      let best = 0;
      for (let j = 1; j < k; j++) if (probs.data[o + j] > probs.data[o + best]) best = j;
      if (best === y) accuracy[mi] += 1;
    }
  }
  for (let i = 0; i < masks.length; i++) {
    loss[i] /= n;
    accuracy[i] /= n;
  }
  return { loss, accuracy };
}
