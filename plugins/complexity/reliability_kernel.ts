/**
 * Reliability of feature components ([Ren], docs/methods.md section 8): the part of
 * a disentangler's output that K networks trained for the same task share.
 *
 * Our procedure, per order l = 1..L (each order warm-started from the
 * previous one):
 *
 * 1. A shared trunk Phi^(l) (disentangler_net.ts: l ReLU layers and a
 *    linear layer to the target's dimension d_1) with a linear head A_k
 *    (d_1 -> d_k, no bias) per network is trained on
 *    sum_k MSE(A_k Phi(x), f_k(x)), every f_k standardised (per-dimension
 *    centring, one global scale), Adam, lr log-spaced over `epochs`. The
 *    heads are then refit by least squares on the trained trunk (their
 *    exact optimum; a head Adam left near its random start would otherwise
 *    carry variance that is not the network's feature).
 * 2. Linear maps g_k (d_k -> d_1, no bias) so that g_k(A_k h) ~ h along the
 *    iteration h <- mean_k g_k(A_k h): with h_0 = Phi(x) and
 *    h_{t+1} = mean_k g_k(A_k h_t), each g_k is the least-squares fit
 *    of h_t from A_k h_t over all samples and t = 0..`trainLoops`-1 (10);
 *    the trajectory depends on the g_k, so fit and trajectory alternate to
 *    a fixed point (at most 20 rounds, from g_k fit on h_0). Everything
 *    after Phi is linear, so h_t = h_0 M^t with M = mean_k A_k g_k and the
 *    fits need only the d_1 x d_1 second-moment matrix of h_0.
 *    The fits are done with h whitened (h W, second moments n I, W from
 *    the eigen-decomposition of h's second moments, directions of h with
 *    less than 1e-6 of the largest eigenvalue dropped) and keep only the directions of network k's head
 *    output A_k h whose variance exceeds a threshold (a truncated
 *    pseudo-inverse): a direction of h along which network k's feature
 *    varies by less than `threshold` of its mean per-dimension variance is
 *    not reconstructible from network k and gets no weight; the directions
 *    above it are reconstructed exactly. Default (`threshold` 0): twice the
 *    largest variance a head picks up by chance from d_1 regressors on n
 *    samples when the feature is noise to the trunk, the Marchenko-Pastur
 *    edge (sqrt(d_1) + sqrt(d_k))^2 / n. Three identical networks thus give
 *    exactly M = I and rho_reli = 1 (up to directions below the
 *    threshold), pure-noise features drop out.
 *    (The authors train g_k by SGD; a closed-form fit removes the
 *    dependence of the result on the g training budget.)
 * 3. h* = h_0 M^`evalLoops` (5 loops); the reliable part is A_1 h*, the
 *    target's Phi^(l) in the joint model is A_1 Phi(x), the unreliable part
 *    their difference, and rho_reli^(l) = Var[A_1 h*] / Var[A_1 Phi(x)] on
 *    the training samples (Var: per-dimension variance averaged over
 *    dimensions).
 *
 * Using the joint model's own A_1 Phi(x) as Phi^(l) (rather than the
 * separately trained disentangler of `disentangle`) makes reliable plus
 * unreliable add up exactly. A direction of h that some network's head
 * drops decays by a factor (K-1)/K or less per loop.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { initWeights } from "../../core/model/init.ts";
import { createRng, type Rng } from "../../core/rng.ts";
import {
  createNet,
  type DisentanglerNet,
  disposeNet,
  forwardNet,
  growNet,
  mapRows,
  netVariables,
  ownVariable,
} from "./disentangler_net.ts";
import { fitScale, standardize } from "./feature_scale.ts";
import { linearMap } from "./dense_op.ts";
import { fitBatches } from "./fit.ts";
import { orderBudget } from "./options.ts";
import { ensureGradients } from "../../core/gradients.ts";
import { identity, matmul, symmetricEigen, transpose, truncatedSolve } from "./small_linalg.ts";

/** Inputs and the K networks' features on them (the target first). */
export interface ReliabilityInput {
  x: Float32Array;
  n: number;
  inDim: number;
  targets: { f: Float32Array; dim: number }[];
}

/** How to train. */
export interface ReliabilityOptions {
  orders: number;
  width: number;
  epochs: number;
  batchSize: number;
  /** Mini-batch size per order (see DisentangleOptions.batchSizes). */
  batchSizes?: number[];
  /** Mini-batches per order, independent of n (0 or absent: by `epochs`). */
  steps?: number;
  /** Rows drawn with replacement per epoch (0 or absent: a permutation of all rows). */
  draw?: number;
  seed: number;
  /** Loops of the iteration the g maps are fit on (10). */
  trainLoops: number;
  /** Loops from h_0 to h* (5). */
  evalLoops: number;
  /** Variance share below which a head's direction is dropped (0: automatic, see above). */
  threshold: number;
  lrStart?: number;
  lrEnd?: number;
  onOrder?: (order: number, rhoReli: number) => void;
}

/** Per order l (entry l-1); variances relative to Var[f_1]. */
export interface ReliabilityResult {
  /** Var[A_1 h*] / Var[A_1 Phi]. */
  rhoReli: number[];
  /** Var[A_1 Phi] / Var[f_1]. */
  varPhi: number[];
  /** Var[A_1 h*] / Var[f_1]. */
  varReliable: number[];
  /** Var[A_1 Phi - A_1 h*] / Var[f_1]. */
  varUnreliable: number[];
  /** MSE of A_k Phi against standardised f_k, per order, per network. */
  loss: number[][];
  /** Threshold used per network. */
  threshold: number[];
}

function linear(inDim: number, outDim: number, rng: Rng): tf.Variable {
  return ownVariable(
    tf.tensor2d(initWeights(inDim * outDim, inDim, outDim, "reference", rng), [inDim, outDim]),
  );
}

async function toF64(t: tf.Tensor): Promise<Float64Array> {
  const d = await t.data();
  t.dispose();
  return Float64Array.from(d);
}

/** Sums h^T h and h^T z_k and the mean of h over the n rows (explicit transposes: see dense_op.ts). */
async function moments(
  h0: Float32Array,
  z: Float32Array[],
  n: number,
  d: number,
  dims: number[],
): Promise<{ c: Float64Array; mu: Float64Array; hz: Float64Array[] }> {
  const [c, mu, ...hz] = tf.tidy(() => {
    const h = tf.tensor2d(h0, [n, d]);
    const ht = tf.transpose(h);
    return [
      tf.matMul(ht, h),
      tf.mean(h, 0),
      ...z.map((zk, k) => tf.matMul(ht, tf.tensor2d(zk, [n, dims[k]]))),
    ];
  });
  return { c: await toF64(c), mu: await toF64(mu), hz: await Promise.all(hz.map(toF64)) };
}

/** Mean per-dimension variance of h B, h with second moments `c` (sum) and mean `mu` over n rows. */
function projectedVariance(
  c: Float64Array,
  mu: Float64Array,
  b: Float64Array,
  d: number,
  p: number,
  n: number,
): number {
  // diag(B^T (C/n - mu mu^T) B), averaged over the p columns
  const cb = matmul(c, b, d, d, p);
  const mb = matmul(mu, b, 1, d, p);
  let s = 0;
  for (let j = 0; j < p; j++) {
    let q = 0;
    for (let i = 0; i < d; i++) q += b[i * p + j] * cb[i * p + j];
    s += q / n - mb[j] * mb[j];
  }
  return s / p;
}

/**
 * The fixed point of step 2: the iteration matrix M (d x d) for heads
 * `a[k]` (d x d_k) on h with second moments `c` (sum over `n` samples),
 * keeping directions of each head's output with variance above
 * `threshold[k]` (per sample).
 */
export function fitIteration(
  c: Float64Array,
  a: Float64Array[],
  dims: number[],
  d: number,
  n: number,
  loops: number,
  threshold: number[],
  rounds = 20,
): Float64Array {
  let m = identity(d);
  for (let r = 0; r < rounds; r++) {
    // S = sum_t (M^t)^T C M^t
    const s = new Float64Array(d * d);
    let mt = identity(d);
    for (let t = 0; t < loops; t++) {
      const term = matmul(transpose(mt, d, d), matmul(c, mt, d, d, d), d, d, d);
      for (let i = 0; i < s.length; i++) s[i] += term[i];
      mt = matmul(mt, m, d, d, d);
    }
    const next = new Float64Array(d * d);
    a.forEach((ak, k) => {
      const dk = dims[k];
      const akT = transpose(ak, d, dk);
      const ztz = matmul(akT, matmul(s, ak, d, d, dk), dk, d, dk);
      const zth = matmul(akT, s, dk, d, d);
      const g = truncatedSolve(ztz, zth, dk, d, threshold[k] * n * loops);
      const ag = matmul(ak, g, d, dk, d);
      for (let i = 0; i < next.length; i++) next[i] += ag[i] / a.length;
    });
    let change = 0;
    for (let i = 0; i < next.length; i++) change = Math.max(change, Math.abs(next[i] - m[i]));
    m = next;
    if (change < 1e-10) break;
  }
  return m;
}

/**
 * Runs the procedure above. Disposes every tensor it makes.
 *
 * @example
 * ```ts
 * const r = await reliability({ x, n, inDim, targets: [{ f: f1, dim }, { f: f2, dim }, { f: f3, dim }] },
 *   { orders: 3, width: 64, epochs: 50, batchSize: 64, seed: 0, trainLoops: 10, evalLoops: 5, threshold: 0 });
 * ```
 */
export async function reliability(
  input: ReliabilityInput,
  opts: ReliabilityOptions,
): Promise<ReliabilityResult> {
  await ensureGradients();
  const { x, n, inDim, targets } = input;
  const d = targets[0].dim;
  const dims = targets.map((t) => t.dim);
  const threshold = dims.map((dk) =>
    opts.threshold > 0 ? opts.threshold : (2 * (Math.sqrt(d) + Math.sqrt(dk)) ** 2) / n
  );
  const rng = createRng(opts.seed, "reliability");
  const z = targets.map((t) => standardize(t.f, fitScale(t.f, n, t.dim)));
  const out: ReliabilityResult = {
    rhoReli: [],
    varPhi: [],
    varReliable: [],
    varUnreliable: [],
    loss: [],
    threshold,
  };
  let net: DisentanglerNet | undefined;
  let heads: tf.Variable[] = [];
  try {
    for (let l = 1; l <= opts.orders; l++) {
      // 1. Trunk and heads, trained jointly.
      const prevNet = net;
      net = prevNet ? growNet(prevNet) : createNet(inDim, opts.width, d, 1, rng);
      if (prevNet) disposeNet(prevNet);
      if (!heads.length) heads = targets.map((t) => linear(d, t.dim, rng));
      const cur = net;
      const A = heads;
      fitBatches(
        [...netVariables(cur), ...A],
        [{ data: x, cols: inDim }, ...z.map((zk, k) => ({ data: zk, cols: dims[k] }))],
        n,
        ([xb, ...zb]) => {
          const phi = forwardNet(cur, xb);
          return tf.addN(
            A.map((a, k) => tf.losses.meanSquaredError(zb[k], linearMap(phi, a))),
          ) as tf.Scalar;
        },
        { ...orderBudget(opts, l), rng },
      );
      // Second moments of h_0 = Phi(x) and its cross moments with each f_k.
      const h0 = await mapRows(x, n, inDim, d, (xb) => forwardNet(cur, xb));
      const { c, mu, hz } = await moments(h0, z, n, d, dims);
      // h_0 spans r <= d directions (ReLU units die, the trunk's head may
      // have lower rank): work in the eigenbasis of C, dropping directions
      // with less than 1e-6 of the largest eigenvalue.
      const { values, vectors } = symmetricEigen(c, d);
      const kept: number[] = [];
      values.forEach((v, i) => v > 1e-6 * values[0] && kept.push(i));
      const r = kept.length;
      // W (d x r) whitens: h~ = h W has second moments n I; Winv (r x d) maps back.
      const w = new Float64Array(d * r), wInv = new Float64Array(r * d);
      kept.forEach((e, j) => {
        for (let i = 0; i < d; i++) {
          w[i * r + j] = vectors[i * d + e] * Math.sqrt(n / values[e]);
          wInv[j * d + i] = vectors[i * d + e] * Math.sqrt(values[e] / n);
        }
      });
      // Refit the heads exactly, A_k = C^+ H^T z_k = W W^T H^T z_k / n, and keep them for warm start.
      const a = hz.map((hzk, k) =>
        matmul(w, matmul(transpose(w, d, r), hzk, r, d, dims[k]), d, r, dims[k]).map((v) => v / n)
      );
      a.forEach((ak, k) =>
        tf.tidy(() => heads[k].assign(tf.tensor2d(Float32Array.from(ak), [d, dims[k]])))
      );
      // 2. Fixed point of the g fits in whitened coordinates.
      const aw = a.map((ak, k) => matmul(wInv, ak, r, d, dims[k]));
      const cw = identity(r).map((v) => v * n);
      const mw = fitIteration(cw, aw, dims, r, n, opts.trainLoops, threshold);
      const m = matmul(matmul(w, mw, d, r, r), wInv, d, r, d);
      // 3. h* = h_0 M^E; reliable = h* A_1.
      let me = identity(d);
      for (let t = 0; t < opts.evalLoops; t++) me = matmul(me, m, d, d, d);
      const reliableMap = matmul(me, a[0], d, d, dims[0]);
      const unreliableMap = a[0].map((v, i) => v - reliableMap[i]);
      // Var[z_1] = 1 by standardisation.
      const vPhi = projectedVariance(c, mu, a[0], d, dims[0], n);
      const vRel = projectedVariance(c, mu, reliableMap, d, dims[0], n);
      out.varPhi.push(vPhi);
      out.varReliable.push(vRel);
      out.varUnreliable.push(projectedVariance(c, mu, unreliableMap, d, dims[0], n));
      out.rhoReli.push(vPhi > 0 ? vRel / vPhi : NaN);
      // Training MSE per network: (tr(A^T C A) - 2 tr(A^T HZ) + |z|^2) / (n d_k), |z|^2 = n d_k.
      out.loss.push(a.map((ak, k) => {
        const dk = dims[k];
        const cak = matmul(c, ak, d, d, dk);
        let q = 0;
        for (let i = 0; i < d * dk; i++) q += ak[i] * cak[i] - 2 * ak[i] * hz[k][i];
        return q / (n * dk) + 1;
      }));
      opts.onOrder?.(l, out.rhoReli[l - 1]);
    }
  } finally {
    if (net) disposeNet(net);
    heads.forEach((v) => v.dispose());
  }
  return out;
}
