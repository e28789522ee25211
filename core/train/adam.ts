/**
 * Adam, once: its constants (PyTorch's defaults, used by every trainer and
 * the fused kernel), Adam on explicit tfjs variables (PyTorch's update rule, no weight decay),
 * and the log-spaced learning-rate schedule of the disentanglers ([Ren]:
 * 1e-3 -> 1e-5 over the epochs). A small own optimizer rather than
 * tf.train.adam so the learning rate can change per epoch and the state
 * can be disposed with the variables.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";

/** Adam state over a fixed list of variables. */
export interface Adam {
  /** One update; `grads[i]` is the gradient of `vars[i]`. Does not dispose `grads`. */
  step(grads: tf.Tensor[], lr: number): void;
  /** Frees the moment estimates (not the variables). */
  dispose(): void;
}

/**
 * Adam's constants everywhere in layerlens: PyTorch's defaults (tfjs's
 * own default epsilon is 1e-7).
 */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/** Adam hyper-parameters ({@link ADAM_DEFAULTS} where not given). */
export interface AdamOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
}

/**
 * Creates Adam over `vars`.
 *
 * @example
 * ```ts
 * const adam = createAdam([w, b]);
 * tf.tidy(() => {
 *   const { grads } = tf.variableGrads(() => loss(), [w, b]);
 *   adam.step([grads[w.name], grads[b.name]], 1e-3);
 * });
 * ```
 */
export function createAdam(vars: tf.Variable[], opts: AdamOptions = {}): Adam {
  const { beta1, beta2, eps } = { ...ADAM_DEFAULTS, ...opts };
  const zeros = (v: tf.Variable) => {
    const z = tf.zerosLike(v);
    const out = tf.variable(z, false);
    z.dispose();
    return out;
  };
  const m = vars.map(zeros);
  const s = vars.map(zeros);
  let t = 0;
  return {
    step(grads, lr) {
      t++;
      const bc1 = 1 - Math.pow(beta1, t);
      const bc2 = 1 - Math.pow(beta2, t);
      // PyTorch: p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
      //        = lr*sqrt(bc2)/bc1 * m / (sqrt(v) + eps*sqrt(bc2))
      tf.tidy(() => {
        const b1 = tf.scalar(beta1);
        const c1 = tf.scalar(1 - beta1);
        const b2 = tf.scalar(beta2);
        const c2 = tf.scalar(1 - beta2);
        const stepSize = tf.scalar((-lr * Math.sqrt(bc2)) / bc1);
        const epsHat = tf.scalar(eps * Math.sqrt(bc2));
        for (let i = 0; i < vars.length; i++) {
          const g = grads[i];
          const mi = tf.add(tf.mul(m[i], b1), tf.mul(g, c1));
          const si = tf.add(tf.mul(s[i], b2), tf.mul(tf.square(g), c2));
          m[i].assign(mi);
          s[i].assign(si);
          vars[i].assign(
            tf.add(vars[i], tf.mul(tf.div(mi, tf.add(tf.sqrt(si), epsHat)), stepSize)),
          );
        }
      });
    },
    dispose() {
      for (const v of m) v.dispose();
      for (const v of s) v.dispose();
    },
  };
}

/**
 * Learning rate per epoch, log-spaced from `start` to `end` inclusive
 * (numpy's `logspace(log10(start), log10(end), epochs)`).
 *
 * @example
 * ```ts
 * logSpacedLr(1e-3, 1e-5, 3); // [1e-3, 1e-4, 1e-5]
 * ```
 */
export function logSpacedLr(start: number, end: number, epochs: number): number[] {
  if (epochs <= 1) return [start];
  const a = Math.log10(start);
  const b = Math.log10(end);
  return Array.from({ length: epochs }, (_, i) => Math.pow(10, a + ((b - a) * i) / (epochs - 1)));
}
