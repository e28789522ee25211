/**
 * Makes sure tfjs gradients are registered before anything trains. Its own
 * file (tfjs-core only), so the plugins that train small networks get it
 * without loading the backends.
 *
 * @module
 */
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { LensError } from "./errors.ts";

let gradients: Promise<void> | undefined;

/**
 * Registers tfjs's gradient functions and chained tensor methods (which
 * tf.train's optimisers use). The Node build of @tensorflow/tfjs-core that
 * Deno loads registers neither; the @tensorflow/tfjs bundle registers both
 * in the registry tfjs-core reads, so it is loaded once, on first need.
 *
 * @example
 * ```ts
 * await ensureGradients();
 * const g = tf.grad((x) => tf.sum(tf.tanh(x)));
 * ```
 */
export function ensureGradients(): Promise<void> {
  gradients ??= import("../deps/tensorflow_tfjs.ts").then(() => {
    if (!tf.getGradient("Tanh")) {
      throw new LensError("loading @tensorflow/tfjs registered no gradients", {
        code: "backend",
        expected: "@tensorflow/tfjs 4.22 next to @tensorflow/tfjs-core 4.22 (deno.json imports)",
      });
    }
  });
  return gradients;
}
