/**
 * A small tfjs training loop for dense classifiers (the students of
 * `kd-compression`): hard labels (softmax cross-entropy), or a teacher's
 * soft targets at temperature T (Hinton et al.: cross-entropy between the
 * teacher's tempered probabilities and softmax(logits / T), times T^2,
 * optionally mixed with the hard-label loss), and masked training for
 * fine-tuning a pruned network (pruned weights stay zero).
 *
 * @module
 */
import { applyActivation } from "../../core/model/activation.ts";
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { type DenseParams, initDense } from "../../core/model/init.ts";
import { createRng } from "../../core/rng.ts";
import { ownVariable } from "./disentangler_net.ts";
import { linearMap } from "./dense_op.ts";
import { fitBatches } from "./fit.ts";
import { ensureGradients } from "../../core/gradients.ts";

/** What the student learns from. */
export interface StudentTargets {
  labels: Int32Array;
  classes: number;
  /** Teacher's softmax probabilities (n by classes); absent: hard labels only. */
  teacher?: Float32Array;
  /** Temperature of the soft targets. */
  temperature?: number;
  /** Weight of the hard-label loss when `teacher` is given (0: soft targets only). */
  alpha?: number;
}

/** How to train. */
export interface StudentOptions {
  /** Layer sizes, input first, classes last. */
  sizes: number[];
  activation: string;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Seeds the initial weights (core/model/init.ts `reference`) and the batches. */
  seed: number;
  /** Start from these parameters instead of a fresh initialisation. */
  init?: DenseParams;
  /** 0/1 masks per weight matrix: masked weights are held at zero. */
  masks?: Float32Array[];
}

/** Teacher probabilities sharpened or softened to temperature T: p^(1/T), renormalised. */
export function temperProbabilities(p: Float32Array, classes: number, t: number): Float32Array {
  const out = new Float32Array(p.length);
  for (let i = 0; i < p.length; i += classes) {
    let s = 0;
    for (let j = 0; j < classes; j++) {
      const v = Math.pow(Math.max(p[i + j], 1e-30), 1 / t);
      out[i + j] = v;
      s += v;
    }
    for (let j = 0; j < classes; j++) out[i + j] /= s;
  }
  return out;
}

/**
 * Trains a dense classifier on `x` (n by sizes[0]) and returns its
 * parameters (masked weights exactly zero). Disposes its tensors.
 *
 * @example
 * ```ts
 * const p = await trainStudent(x, n, { labels: y, classes: 10 },
 *   { sizes: [784, 64, 10], activation: "relu", epochs: 5, batchSize: 64, lr: 1e-3, seed: 0 });
 * ```
 */
export async function trainStudent(
  x: Float32Array,
  n: number,
  targets: StudentTargets,
  opts: StudentOptions,
): Promise<DenseParams> {
  await ensureGradients();
  const { sizes } = opts;
  const start = opts.init ?? initDense(opts.seed, sizes, "reference");
  const ws = start.w.map((w, k) => ownVariable(tf.tensor2d(w, [sizes[k], sizes[k + 1]])));
  const bs = start.b.map((b) => ownVariable(tf.tensor1d(b)));
  const masks = opts.masks?.map((m, k) => tf.tensor2d(m, [sizes[k], sizes[k + 1]]));
  const classes = targets.classes;
  const oneHot = new Float32Array(n * classes);
  targets.labels.forEach((y, i) => (oneHot[i * classes + y] = 1));
  const t = targets.temperature ?? 1;
  const soft = targets.teacher ? temperProbabilities(targets.teacher, classes, t) : undefined;
  const alpha = targets.teacher ? targets.alpha ?? 0 : 1;
  const logits = (xb: tf.Tensor2D) => {
    let h: tf.Tensor2D = xb;
    ws.forEach((w, k) => {
      const wk = masks ? tf.mul(w, masks[k]) : w;
      h = tf.add(linearMap(h, wk, k > 0), bs[k]);
      if (k < ws.length - 1) h = applyActivation(h, opts.activation) as tf.Tensor2D;
    });
    return h;
  };
  const sources = [{ data: x, cols: sizes[0] }, { data: oneHot, cols: classes }];
  if (soft) sources.push({ data: soft, cols: classes });
  try {
    fitBatches(
      [...ws, ...bs],
      sources,
      n,
      ([xb, yb, sb]) => {
        const z = logits(xb);
        const parts: tf.Scalar[] = [];
        if (alpha > 0) parts.push(tf.mul(tf.losses.softmaxCrossEntropy(yb, z), alpha));
        if (sb && alpha < 1) {
          const ce = tf.losses.softmaxCrossEntropy(sb, tf.div(z, t));
          parts.push(tf.mul(ce, (1 - alpha) * t * t));
        }
        return tf.addN(parts) as tf.Scalar;
      },
      {
        epochs: opts.epochs,
        batchSize: opts.batchSize,
        lrStart: opts.lr,
        lrEnd: opts.lr,
        rng: createRng(opts.seed, "student-batches"),
      },
    );
    const w = await Promise.all(
      ws.map(async (v, k) => {
        const d = Float32Array.from(await v.data());
        if (opts.masks) { for (let i = 0; i < d.length; i++) if (!opts.masks[k][i]) d[i] = 0; }
        return d;
      }),
    );
    const b = await Promise.all(bs.map(async (v) => Float32Array.from(await v.data())));
    return { sizes: [...sizes], w, b };
  } finally {
    [...ws, ...bs].forEach((v) => v.dispose());
    masks?.forEach((m) => m.dispose());
  }
}
