/**
 * The disentangler network Phi^(l) of [Ren] for vector inputs: `order`
 * ReLU layers of `width` units and a linear head, as explicit tfjs
 * variables. Inputs are the target network's inputs flattened (the conv
 * variant, on images, is conv_disentangler_net.ts).
 *
 * Warm start ({@link growNet}): Phi^(l+1) copies every weight of Phi^(l)
 * (all hidden layers and the head) and inserts its new hidden layer just
 * below the head, initialised as the identity with zero bias. Its input is
 * a ReLU output (non-negative), so relu(I h + 0) = h and Phi^(l+1) starts
 * as exactly the same function as Phi^(l): the distillation loss starts
 * where the previous order ended. (The MLP counterpart of the paper's
 * residual blocks, which start close to the identity.)
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { initWeights } from "../../core/model/init.ts";
import type { Rng } from "../../core/rng.ts";
import { dense } from "./dense_op.ts";

/** One dense layer's variables: `w` is `[in, out]`, `b` is `[out]`. */
export interface DenseVars {
  w: tf.Variable;
  b: tf.Variable;
}

/** A disentangler with `hidden.length` ReLU layers and a linear head. */
export interface DisentanglerNet {
  inDim: number;
  width: number;
  outDim: number;
  hidden: DenseVars[];
  head: DenseVars;
}

function denseVars(inDim: number, outDim: number, rng: Rng): DenseVars {
  const w = initWeights(inDim * outDim, inDim, outDim, "reference", rng);
  return {
    w: ownVariable(tf.tensor2d(w, [inDim, outDim])),
    b: ownVariable(tf.zeros([outDim])),
  };
}

/** A trainable variable holding `t`'s values; `t` is disposed. */
export function ownVariable(t: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

/**
 * A fresh net of order `order` (>= 1), weights truncated normal with sd
 * 1/sqrt(fan_in) (core/model/init.ts `reference`), biases zero.
 *
 * @example
 * ```ts
 * const net = createNet(784, 128, 64, 1, createRng(0, "disentangle"));
 * ```
 */
export function createNet(
  inDim: number,
  width: number,
  outDim: number,
  order: number,
  rng: Rng,
): DisentanglerNet {
  const hidden: DenseVars[] = [];
  for (let l = 0; l < order; l++) hidden.push(denseVars(l === 0 ? inDim : width, width, rng));
  return { inDim, width, outDim, hidden, head: denseVars(width, outDim, rng) };
}

/**
 * A new net of order `prev.hidden.length + 1` that computes the same
 * function as `prev` (copies, identity layer inserted below the head).
 * `prev` is left intact.
 */
export function growNet(prev: DisentanglerNet): DisentanglerNet {
  const copy = (d: DenseVars): DenseVars => ({
    w: ownVariable(d.w.clone()),
    b: ownVariable(d.b.clone()),
  });
  const hidden = prev.hidden.map(copy);
  hidden.push({
    w: ownVariable(tf.eye(prev.width)),
    b: ownVariable(tf.zeros([prev.width])),
  });
  return {
    inDim: prev.inDim,
    width: prev.width,
    outDim: prev.outDim,
    hidden,
    head: copy(prev.head),
  };
}

/** Every variable of the net, hidden layers first, then the head. */
export function netVariables(net: DisentanglerNet): tf.Variable[] {
  return [...net.hidden.flatMap((d) => [d.w, d.b]), net.head.w, net.head.b];
}

/** The hidden representation (output of the last ReLU layer) of input data `x`. */
export function trunk(net: DisentanglerNet, x: tf.Tensor2D): tf.Tensor2D {
  let h = x;
  net.hidden.forEach((d, l) => (h = dense(h, d.w, d.b, "relu", l > 0)));
  return h;
}

/** Phi(x): the net's output on input data `x`, rows by outDim. */
export function forwardNet(net: DisentanglerNet, x: tf.Tensor2D): tf.Tensor2D {
  return dense(trunk(net, x), net.head.w, net.head.b, "linear");
}

/** Frees every variable of the net. */
export function disposeNet(net: DisentanglerNet): void {
  for (const v of netVariables(net)) v.dispose();
}

/**
 * Runs `fn` on `x` (rows by `cols`) in chunks of `chunk` rows and returns
 * the concatenated outputs (rows by `outCols`), read back asynchronously.
 */
export async function mapRows(
  x: Float32Array,
  rows: number,
  cols: number,
  outCols: number,
  fn: (xb: tf.Tensor2D) => tf.Tensor2D,
  chunk = 8192,
): Promise<Float32Array> {
  const out = new Float32Array(rows * outCols);
  for (let s = 0; s < rows; s += chunk) {
    const e = Math.min(rows, s + chunk);
    const y = tf.tidy(() => fn(tf.tensor2d(x.subarray(s * cols, e * cols), [e - s, cols])));
    out.set(await y.data() as Float32Array, s * outCols);
    y.dispose();
  }
  return out;
}
