/**
 * The gradients of a disentangler's distillation loss written out by hand:
 * MSE(z, Phi(x)) (tf.losses.meanSquaredError: the mean over every element)
 * with respect to every variable of the net, without tfjs's gradient tape.
 *
 * The tape (tf.variableGrads over the custom-gradient dense op) costs
 * about 1.5 ms of bookkeeping a step on a 7-layer width-16 net on the wasm
 * backend, four times the kernels themselves; small disentanglers are
 * bound by it (measured: 2.07 ms a step through the tape, 0.54 ms here).
 * This runs the same kernels in the same order as the tape would
 * (dense_op.ts's gradient; tfjs's gradient of the mean squared error,
 * 2 (Phi - z) / N elementwise with N = rows x outDim, is bit for bit
 * (Phi - z) * (2 / N)). The results agree with the tape's to float32
 * rounding, not bit for bit: the wasm backend's matMul rounds the last bit
 * differently between the two paths (tests/complexity_disentangle_test.ts).
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import type { DisentanglerNet } from "./disentangler_net.ts";

/**
 * Gradients of `tf.losses.meanSquaredError(z, forwardNet(net, x))`, in the
 * order of `netVariables(net)` (hidden layers' w, b, then the head's).
 * The caller disposes them (or runs this in a tidy).
 *
 * @example
 * ```ts
 * const grads = tf.tidy(() => netGradients(net, xb, zb));
 * adam.step(grads, 1e-3);
 * ```
 */
export function netGradients(net: DisentanglerNet, x: tf.Tensor2D, z: tf.Tensor2D): tf.Tensor[] {
  return tf.tidy(() => {
    // forward, keeping every layer's output (the dense op's saved tensors)
    const hs: tf.Tensor2D[] = [x];
    for (const d of net.hidden) {
      hs.push(tf.fused.matMul({
        a: hs[hs.length - 1],
        b: d.w as tf.Tensor2D,
        bias: d.b,
        activation: "relu",
      }) as tf.Tensor2D);
    }
    const top = hs[hs.length - 1];
    const y = tf.fused.matMul({
      a: top,
      b: net.head.w as tf.Tensor2D,
      bias: net.head.b,
      activation: "linear",
    }) as tf.Tensor2D;
    let g = tf.mul(tf.sub(y, z), tf.scalar(2 / y.size)) as tf.Tensor2D;
    const head = [tf.matMul(tf.transpose(top), g), tf.sum(g, 0)];
    const hidden: tf.Tensor[][] = [];
    let w = net.head.w as tf.Tensor2D;
    for (let l = net.hidden.length - 1; l >= 0; l--) {
      g = tf.mul(tf.matMul(g, tf.transpose(w)), tf.step(hs[l + 1])) as tf.Tensor2D;
      hidden[l] = [tf.matMul(tf.transpose(hs[l]), g), tf.sum(g, 0)];
      w = net.hidden[l].w as tf.Tensor2D;
    }
    return [...hidden.flat(), ...head];
  });
}
