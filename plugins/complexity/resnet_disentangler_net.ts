/**
 * Residual conv disentanglers, as in the authors' code for [Ren]: a 3x3
 * stem conv of `width` channels and three stages of n basic blocks of
 * `width`, 2 `width`, 4 `width` channels (strides 1, 2, 2; zero-padded
 * shortcuts), the blocks of core/model/resnet.ts (no batch normalisation).
 * Order i has n = 2^(i-1) blocks per stage, 3 n + 1 conv-ReLU layers on
 * the longest path: orders 1..6 are the authors' 4, 7, 13, 25, 49, 97.
 *
 * Head: when f is a map at the last stage's resolution (`featureShape`
 * `[H/4, W/4, c]`, e.g. a CIFAR ResNet's last block, 8x8x64, as the
 * authors mimic it) the activation and a 1x1 conv to c channels, so the
 * output is f's NHWC layout; otherwise the activation, global average
 * pooling and a linear layer to f's `outDim` values.
 *
 * Warm start ({@link growResnetNet}): order i + 1 copies every parameter of
 * order i and appends n new blocks to each stage whose second conv is zero:
 * a block with a zero second conv passes on the activation of its input,
 * and every block, like the head, starts with the activation, so the grown
 * net computes exactly the previous function.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { LensError } from "../../core/errors.ts";
import { initWeights } from "../../core/model/init.ts";
import { planResnet, resnetStages } from "../../core/model/resnet.ts";
import type { Rng } from "../../core/rng.ts";
import { ownVariable } from "./disentangler_net.ts";

/** One hook point's kernel and bias (core/model/resnet.ts layouts). */
interface KB {
  kernel: tf.Variable;
  bias: tf.Variable;
}

/** A residual disentangler. */
export interface ResnetDisentanglerNet {
  /** Shape of one input image, `[H, W, C]` (H, W divisible by 4). */
  imageShape: [number, number, number];
  /** Channels of the first stage. */
  width: number;
  /** Blocks per stage. */
  blocksPerStage: number;
  /** Values of the feature mimicked. */
  outDim: number;
  /** Channels of f when it is a map at the last stage's resolution (1x1 conv head). */
  featureChannels?: number;
  stem: KB;
  /** Blocks in order, stage by stage. */
  blocks: KB[];
  /** Head: `[4 width, featureChannels or outDim]` and its bias. */
  head: KB;
}

/**
 * Channels of f when `featureShape` is a map at `imageShape`'s quarter
 * resolution, undefined for a vector feature; other maps are an error.
 */
export function featureChannelsOf(
  imageShape: [number, number, number],
  featureShape: number[] | undefined,
  outDim: number,
): number | undefined {
  if (!featureShape || featureShape.length !== 3) return undefined;
  const [h, w, c] = featureShape;
  if (h === imageShape[0] / 4 && w === imageShape[1] / 4 && h * w * c === outDim) return c;
  throw new LensError(`net: resnet mimics maps of ${imageShape[0] / 4}x${imageShape[1] / 4}`, {
    code: "plugin",
    field: "net",
    expected: `a feature map at a quarter of the input's size (got [${featureShape}]), ` +
      "a vector feature, or net: mlp / conv",
  });
}

function kb(kernel: Float32Array, shape: number[], cout: number): KB {
  return {
    kernel: ownVariable(tf.tensor(kernel, shape)),
    bias: ownVariable(tf.zeros([cout])),
  };
}

/** A fresh block `cin -> cout` (second conv zero). */
function newBlock(cin: number, cout: number, rng: Rng): KB {
  const k = new Float32Array((9 * cin + 9 * cout + 1) * cout);
  k.set(initWeights(9 * cin * cout, 9 * cin, 9 * cout, "reference", rng));
  return kb(k, [9 * cin + 9 * cout + 1, cout], cout);
}

/** The disentangler of order 1 (one block per stage). */
export function createResnetNet(
  imageShape: [number, number, number],
  width: number,
  outDim: number,
  featureChannels: number | undefined,
  rng: Rng,
): ResnetDisentanglerNet {
  const [h, w, c] = imageShape;
  if (h % 4 || w % 4) {
    throw new LensError(`net: resnet needs image sides divisible by 4, got ${h}x${w}`, {
      code: "plugin",
      field: "net",
      expected: "images such as CIFAR-10's 32x32x3, or net: mlp / conv",
    });
  }
  const stem = kb(initWeights(9 * c * width, 9 * c, 9 * width, "reference", rng), [
    3,
    3,
    c,
    width,
  ], width);
  const blocks = [newBlock(width, width, rng), newBlock(width, 2 * width, rng)];
  blocks.push(newBlock(2 * width, 4 * width, rng));
  const outC = featureChannels ?? outDim;
  const head = kb(initWeights(4 * width * outC, 4 * width, outC, "reference", rng), [
    4 * width,
    outC,
  ], outC);
  return { imageShape, width, blocksPerStage: 1, outDim, featureChannels, stem, blocks, head };
}

const copy = (v: KB): KB => ({
  kernel: ownVariable(v.kernel.clone()),
  bias: ownVariable(v.bias.clone()),
});

/** Order i + 1 from order i: every parameter copied, n identity-start blocks added per stage. */
export function growResnetNet(prev: ResnetDisentanglerNet, rng: Rng): ResnetDisentanglerNet {
  const n = prev.blocksPerStage;
  const blocks: KB[] = [];
  for (let s = 0; s < 3; s++) {
    const c = prev.width << s;
    for (let b = 0; b < n; b++) blocks.push(copy(prev.blocks[s * n + b]));
    for (let b = 0; b < n; b++) blocks.push(newBlock(c, c, rng));
  }
  return {
    ...prev,
    blocksPerStage: 2 * n,
    stem: copy(prev.stem),
    blocks,
    head: copy(prev.head),
  };
}

/** Trainable variables. */
export function resnetNetVariables(net: ResnetDisentanglerNet): tf.Variable[] {
  return [net.stem, ...net.blocks, net.head].flatMap((v) => [v.kernel, v.bias]);
}

/** Phi(x) for flattened images `x` `[rows, H * W * C]`: `[rows, outDim]`. */
export function forwardResnetNet(net: ResnetDisentanglerNet, x: tf.Tensor2D): tf.Tensor2D {
  const plan = planResnet(
    {
      type: "resnet",
      depth: 6 * net.blocksPerStage + 2,
      width: net.width,
      activation: "relu",
      init: "reference",
    },
    net.imageShape,
    2,
  );
  const kernels = new Map<string, tf.Variable>([["conv_1", net.stem.kernel]]);
  const biases = new Map<string, tf.Variable>([["conv_1", net.stem.bias]]);
  net.blocks.forEach((b, i) => {
    kernels.set(`block_${i + 1}`, b.kernel);
    biases.set(`block_${i + 1}`, b.bias);
  });
  const stages = resnetStages(plan, kernels, biases).slice(0, 1 + net.blocks.length);
  let t: tf.Tensor = tf.reshape(x, [x.shape[0], ...net.imageShape]);
  for (const stage of stages) t = stage(t);
  const a = tf.relu(t) as tf.Tensor4D;
  const [rows, h, w, c] = a.shape;
  if (net.featureChannels !== undefined) {
    const y = tf.add(
      tf.matMul(tf.reshape(a, [rows * h * w, c]), net.head.kernel as tf.Tensor2D),
      net.head.bias,
    );
    return tf.reshape(y, [rows, h * w * net.featureChannels]);
  }
  return tf.add(
    tf.matMul(tf.mean(a, [1, 2]) as tf.Tensor2D, net.head.kernel as tf.Tensor2D),
    net.head.bias,
  );
}

/** Frees the variables. */
export function disposeResnetNet(net: ResnetDisentanglerNet): void {
  for (const v of resnetNetVariables(net)) v.dispose();
}
