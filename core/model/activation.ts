/**
 * Activation functions by their tfjs names, as differentiable tfjs ops.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { LensError } from "../errors.ts";

const FORMULAS: Record<string, (x: tf.Tensor) => tf.Tensor> = {
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
  leakyRelu: (x) => tf.leakyRelu(x, 0.2),
};

/** Activation names {@link applyActivation} knows. */
export const ACTIVATION_NAMES: readonly string[] = Object.keys(FORMULAS);

/** Throws a LensError unless `name` is a known activation. */
export function checkActivation(name: string, field = "model.activation"): void {
  if (!Object.hasOwn(FORMULAS, name)) {
    throw new LensError(`unknown activation "${name}"`, {
      code: "config",
      field,
      expected: `one of ${ACTIVATION_NAMES.join(", ")}`,
    });
  }
}

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
