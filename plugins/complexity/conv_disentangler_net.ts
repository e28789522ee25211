/**
 * The conv disentangler Phi^(l) of [Ren] for image inputs: `order` ReLU
 * conv layers (3x3 kernels, `channels` channels, 'same' padding, stride 1)
 * on the image `[H, W, C]` (NHWC, the layout of the data sets and the CNN
 * hook points), then a linear head on the flattened last map
 * (`H * W * channels` values, (y, x, channel) order) to f's `outDim`
 * values. Flatten + dense rather than global average pooling: a feature
 * of a CNN (a dense layer's units, a flattened map) depends on where
 * things are in the image, which pooling over positions would throw away.
 *
 * Warm start ({@link growConvNet}): Phi^(l+1) copies every weight of
 * Phi^(l) and inserts its new conv layer just below the head, initialised
 * as the identity: centre tap = the `channels x channels` identity matrix,
 * the other eight taps zero, zero bias. Its input is a ReLU output
 * (non-negative) and 'same' padding keeps the map's size, so
 * relu(conv(h) + 0) = h and Phi^(l+1) starts as exactly the same function
 * as Phi^(l) (the conv counterpart of disentangler_net.ts's identity
 * layer).
 *
 * The conv layers are conv_op.ts's `convReluSame`, a tfjs op with its own
 * gradient (wasm has no Conv2DBackpropFilter and runs Conv2DBackpropInput
 * ~7x slower than a forward convolution; the gradient is written with
 * forward convolutions only). Training goes through tfjs's gradient tape
 * (tf.variableGrads): the conv kernels, not the tape's bookkeeping,
 * dominate a step.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { LensError } from "../../core/errors.ts";
import { initWeights } from "../../core/model/init.ts";
import type { Rng } from "../../core/rng.ts";
import { convReluSame } from "./conv_op.ts";
import { dense } from "./dense_op.ts";
import { type DenseVars, ownVariable } from "./disentangler_net.ts";

/** Kernel size of every conv layer of the disentangler. */
export const CONV_KERNEL = 3;

/** Largest head (weights of the flatten + dense layer) {@link createConvNet} builds. */
export const MAX_HEAD_WEIGHTS = 1 << 24;

/** One conv layer's variables: `kernel` is `[3, 3, in, out]`, `bias` is `[out]`. */
export interface ConvVars {
  /** The filter, `[k, k, inChannels, outChannels]`. */
  kernel: tf.Variable;
  /** The bias, `[outChannels]`. */
  bias: tf.Variable;
}

/** A conv disentangler with `convs.length` ReLU conv layers and a linear head. */
export interface ConvDisentanglerNet {
  /** Shape of one input image, `[H, W, C]`. */
  imageShape: [number, number, number];
  /** Channels of every conv layer. */
  channels: number;
  /** Values of the feature mimicked. */
  outDim: number;
  /** The conv layers, input first. */
  convs: ConvVars[];
  /** The linear head, `[H * W * channels, outDim]`. */
  head: DenseVars;
}

/**
 * `[H, W, C]` of an image input shape (`[H, W]` reads as one channel), or
 * undefined when the shape is not an image (a vector, or a map under 2x2).
 *
 * @example
 * ```ts
 * imageShapeOf([28, 28, 1]); // [28, 28, 1]
 * imageShapeOf([12]); // undefined
 * ```
 */
export function imageShapeOf(shape: number[]): [number, number, number] | undefined {
  if (shape.length !== 2 && shape.length !== 3) return undefined;
  const [h, w, c = 1] = shape;
  if (h < 2 || w < 2 || c < 1) return undefined;
  return [h, w, c];
}

function convVars(inC: number, outC: number, rng: Rng): ConvVars {
  const k = CONV_KERNEL;
  const fanIn = k * k * inC;
  const w = initWeights(fanIn * outC, fanIn, k * k * outC, "reference", rng);
  return {
    kernel: ownVariable(tf.tensor4d(w, [k, k, inC, outC])),
    bias: ownVariable(tf.zeros([outC])),
  };
}

/**
 * A fresh conv net of order `order` (>= 1); weights truncated normal with
 * sd 1/sqrt(fan_in) (fan_in = 9 x input channels for a conv layer), biases
 * zero. Throws when the head would exceed {@link MAX_HEAD_WEIGHTS} weights.
 *
 * @example
 * ```ts
 * const net = createConvNet([28, 28, 1], 16, 64, 1, createRng(0, "disentangle"));
 * ```
 */
export function createConvNet(
  imageShape: [number, number, number],
  channels: number,
  outDim: number,
  order: number,
  rng: Rng,
): ConvDisentanglerNet {
  const [h, w, c] = imageShape;
  const flat = h * w * channels;
  if (flat * outDim > MAX_HEAD_WEIGHTS) {
    throw new LensError(
      `a conv disentangler head from ${h}x${w}x${channels} to ${outDim} values would hold ` +
        `${flat * outDim} weights`,
      {
        code: "plugin",
        field: "net",
        expected: `at most ${MAX_HEAD_WEIGHTS} (fewer channels, a smaller feature, or net: mlp)`,
      },
    );
  }
  const convs: ConvVars[] = [];
  for (let l = 0; l < order; l++) convs.push(convVars(l === 0 ? c : channels, channels, rng));
  const hw = initWeights(flat * outDim, flat, outDim, "reference", rng);
  const head: DenseVars = {
    w: ownVariable(tf.tensor2d(hw, [flat, outDim])),
    b: ownVariable(tf.zeros([outDim])),
  };
  return { imageShape: [h, w, c], channels, outDim, convs, head };
}

/**
 * The identity filter of a 'same' 3x3 conv on `channels` channels: centre
 * tap the identity matrix, the other taps zero.
 */
export function identityKernel(channels: number): tf.Tensor4D {
  const k = CONV_KERNEL;
  const v = new Float32Array(k * k * channels * channels);
  const centre = (Math.floor(k / 2) * k + Math.floor(k / 2)) * channels * channels;
  for (let i = 0; i < channels; i++) v[centre + i * channels + i] = 1;
  return tf.tensor4d(v, [k, k, channels, channels]);
}

/**
 * A new conv net of order `prev.convs.length + 1` computing the same
 * function as `prev` (copies; an identity conv layer inserted below the
 * head). `prev` is left intact.
 */
export function growConvNet(prev: ConvDisentanglerNet): ConvDisentanglerNet {
  const convs = prev.convs.map((c) => ({
    kernel: ownVariable(c.kernel.clone()),
    bias: ownVariable(c.bias.clone()),
  }));
  convs.push({
    kernel: ownVariable(identityKernel(prev.channels)),
    bias: ownVariable(tf.zeros([prev.channels])),
  });
  return {
    imageShape: prev.imageShape,
    channels: prev.channels,
    outDim: prev.outDim,
    convs,
    head: { w: ownVariable(prev.head.w.clone()), b: ownVariable(prev.head.b.clone()) },
  };
}

/** Every variable of the net, conv layers first (kernel, bias), then the head (w, b). */
export function convNetVariables(net: ConvDisentanglerNet): tf.Variable[] {
  return [...net.convs.flatMap((c) => [c.kernel, c.bias]), net.head.w, net.head.b];
}

/**
 * The last conv layer's ReLU map of input rows `x` (rows by H*W*C, NHWC
 * flattened), `[rows, H, W, channels]`.
 */
export function convTrunk(net: ConvDisentanglerNet, x: tf.Tensor2D): tf.Tensor4D {
  let h = tf.reshape(x, [x.shape[0], ...net.imageShape]) as tf.Tensor4D;
  net.convs.forEach((c, l) => (h = convReluSame(h, c.kernel, c.bias, l > 0)));
  return h;
}

/** Phi(x): the net's output on input rows `x` (rows by H*W*C), rows by outDim. */
export function forwardConvNet(net: ConvDisentanglerNet, x: tf.Tensor2D): tf.Tensor2D {
  const h = convTrunk(net, x);
  const flat = tf.reshape(h, [h.shape[0], -1]) as tf.Tensor2D;
  return dense(flat, net.head.w, net.head.b, "linear");
}

/** Frees every variable of the net. */
export function disposeConvNet(net: ConvDisentanglerNet): void {
  for (const v of convNetVariables(net)) v.dispose();
}
