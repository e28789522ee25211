/**
 * `relu(conv(x, K) + b)` with 'same' padding and stride 1 for an odd
 * square kernel, as a tfjs op with its own gradient, for the conv
 * disentanglers (conv_disentangler_net.ts).
 *
 * core/model/conv.ts's valid convolution gets the input gradient from
 * conv2dTranspose (Conv2DBackpropInput), which the wasm backend runs about
 * 7x slower than the equivalent forward convolution (measured on
 * 128 x 28 x 28 x 16 maps, 3x3 kernel, 16 -> 16 channels: 321 ms against
 * 44 ms). Here, for y = relu(conv_same(x, K) + b) and g = dy * step(y):
 * - dx = conv_same(g, K'), K' = K flipped in both spatial axes with its
 *   in / out channels swapped (the adjoint of a stride-1 'same' conv);
 * - dK[a, b, i, o] = sum over n, y, x of xp[n, y+a, x+b, i] g[n, y, x, o],
 *   xp = x zero-padded by k/2: a valid convolution of xp with batch and
 *   channels swapped (`[ci, h+k-1, w+k-1, n]`) by g as the filter
 *   (`[h, w, n, co]`), giving `[ci, k, k, co]` (as in core/model/conv.ts);
 * - db = sum of g over n, y, x.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";

type ConvFn = (x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D) => tf.Tensor4D;

const ops = new Map<boolean, ConvFn>();

function makeOp(inputGrad: boolean): ConvFn {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, kernel, bias] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const y = tf.fused.conv2d({
      x,
      filter: kernel,
      strides: 1,
      pad: "same",
      bias,
      activation: "relu",
    });
    save([x, kernel, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ks, ys] = saved as tf.Tensor4D[];
        const k = ks.shape[0];
        const p = (k - 1) / 2;
        const g = tf.mul(dy, tf.step(ys)) as tf.Tensor4D;
        const dx = inputGrad
          ? tf.conv2d(
            g,
            tf.transpose(tf.reverse(ks, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D,
            1,
            "same",
          )
          : tf.zerosLike(xs);
        const xp = tf.pad(xs, [[0, 0], [p, p], [p, p], [0, 0]]);
        const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D;
        const gt = tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D;
        const dk = tf.transpose(tf.conv2d(xt, gt, 1, "valid"), [1, 2, 0, 3]);
        return [dx, dk, tf.sum(g, [0, 1, 2])];
      },
    };
  }) as unknown as ConvFn;
}

/**
 * `relu(conv(x, kernel) + bias)`, stride 1, 'same' padding: `[n, h, w, ci]`
 * with a `[k, k, ci, co]` kernel (k odd) to `[n, h, w, co]`, with the fast
 * gradient. `inputGrad: false` skips the gradient with respect to `x`
 * (zeros) for a first layer fed data.
 *
 * @example
 * ```ts
 * const h = convReluSame(tf.ones([1, 5, 5, 1]), tf.ones([3, 3, 1, 2]), tf.zeros([2]), false);
 * ```
 */
export function convReluSame(
  x: tf.Tensor4D,
  kernel: tf.Tensor,
  bias: tf.Tensor,
  inputGrad = true,
): tf.Tensor4D {
  let op = ops.get(inputGrad);
  if (!op) ops.set(inputGrad, op = makeOp(inputGrad));
  return op(x, kernel as tf.Tensor4D, bias as tf.Tensor1D);
}
