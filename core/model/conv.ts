/**
 * 2-D convolution, stride 1, `valid` padding, plus bias, with its gradient
 * written out, so it trains on every backend: tfjs's wasm backend has no
 * `Conv2DBackpropFilter` kernel, so tf.conv2d cannot be differentiated
 * with respect to its filter there.
 *
 * For y = conv(x, K) + b with x `[n, h, w, ci]`, K `[k, k, ci, co]`:
 * - dx = conv2dTranspose(dy, K) (Conv2DBackpropInput);
 * - dK[a, b, i, o] = sum over n, y, x of x[n, y+a, x+b, i] dy[n, y, x, o],
 *   itself a valid convolution: input x with batch and channels swapped
 *   (`[ci, h, w, n]`), filter dy as `[ho, wo, n, co]`, giving `[ci, k, k, co]`;
 * - db = sum of dy over n, y, x.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";

const convValid = tf.customGrad(
  // deno-lint-ignore no-explicit-any
  ((x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, save: any) => {
    save([x, filter]);
    const value = tf.fused.conv2d({ x, filter, strides: 1, pad: "valid", bias });
    const gradFunc = (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
      const [xs, fs] = saved as [tf.Tensor4D, tf.Tensor4D];
      const dx = tf.conv2dTranspose(dy, fs, xs.shape, 1, "valid");
      const xt = tf.transpose(xs, [3, 1, 2, 0]);
      const dyt = tf.transpose(dy, [1, 2, 0, 3]);
      const dk = tf.transpose(tf.conv2d(xt, dyt, 1, "valid"), [1, 2, 0, 3]);
      const db = tf.sum(dy, [0, 1, 2]);
      return [dx, dk, db];
    };
    return { value, gradFunc };
    // deno-lint-ignore no-explicit-any
  }) as any,
);

/**
 * `conv(x, filter) + bias`, stride 1, no padding: `[n, h, w, ci]` to
 * `[n, h-k+1, w-k+1, co]`.
 *
 * @example
 * ```ts
 * const y = conv2dValid(tf.ones([1, 5, 5, 1]), tf.ones([3, 3, 1, 2]), tf.zeros([2])); // [1, 3, 3, 2], all 9
 * ```
 */
export function conv2dValid(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  return convValid(x, filter, bias) as tf.Tensor4D;
}
