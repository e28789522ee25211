/**
 * The activations of the registry (activations.ts) as differentiable tfjs
 * ops. The table is typed by the registry's names, so an activation added
 * there without an op here does not compile.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { checkActivation, LEAKY_RELU_SLOPE } from "./activations.ts";
import type { ActivationName } from "./activations.ts";

const FORMULAS: Record<ActivationName, (x: tf.Tensor) => tf.Tensor> = {
  linear: (x) => x,
  tanh: (x) => tf.tanh(x),
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  sigmoid: (x) => tf.sigmoid(x),
  elu: (x) => tf.elu(x),
  selu: (x) => tf.selu(x),
  softplus: (x) => tf.softplus(x),
  // x / (1 + |x|)
  softsign: (x) => tf.div(x, tf.add(1, tf.abs(x))),
  // clip(0.2 x + 0.5, 0, 1), the Keras / tfjs-layers definition
  hardSigmoid: (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1),
  // x * sigmoid(x)
  swish: (x) => tf.mul(x, tf.sigmoid(x)),
  // x * tanh(softplus(x))
  mish: (x) => tf.mul(x, tf.tanh(tf.softplus(x))),
  // exact GELU: x * Phi(x) = x * (1 + erf(x / sqrt 2)) / 2
  gelu: (x) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))),
  // tfjs's default slope 0.2 for x < 0
  leakyRelu: (x) => tf.leakyRelu(x, LEAKY_RELU_SLOPE),
};

/**
 * Applies activation `name` elementwise (differentiable; no new tensors
 * are kept for `linear`).
 *
 * @example
 * ```ts
 * const y = applyActivation(tf.tensor1d([-1, 0, 1]), "relu"); // [0, 0, 1]
 * ```
 */
export function applyActivation(x: tf.Tensor, name: string): tf.Tensor {
  checkActivation(name);
  return FORMULAS[name](x);
}
