/**
 * The CIFAR residual network of He et al. (2016, section 4.2), as the
 * targets of [Ren] (ResNet-8/14/20/32/44): a 3x3 stem conv of `width`
 * channels, three stages of n = (depth - 2) / 6 basic blocks of `width`,
 * 2 `width`, 4 `width` channels (the first block of stages 2 and 3 halves
 * the map), global average pooling and a dense layer to the classes.
 *
 * Hook points: `conv_1` (stem, after its activation), `block_1` ..
 * `block_3n`, `pool` (activation, then the mean over the map), `output`.
 * A block's value is `x + F(x)` BEFORE the block's final activation
 * (F = conv3x3, activation, conv3x3; x = the activation of the previous
 * hook point's value), which is the feature [Ren] analyse ("the output of
 * the last residual block before its final ReLU"); the next stage applies
 * the activation first, so `forwardFrom(block_k)` is exactly the rest of
 * the network. Shortcuts where the shape changes: the map subsampled by 2
 * and the new channels zero-padded on both sides (option A of the paper,
 * no weights).
 *
 * Differences from the paper: no batch normalisation (every conv has a
 * bias instead; the second conv of every block starts at zero, so each
 * block starts as the identity and the untrained network is the stem, the
 * shortcuts and the head, which keeps a 20-layer net trainable without
 * normalisation); stride-2 convolutions are computed at stride 1 and
 * subsampled (the same numbers at four times the cost of those two
 * layers; tfjs has no gradient for strided slices and the wasm backend
 * none for conv filters, see conv.ts).
 *
 * Weights of a block are stored as one kernel `[9 cin + 9 cout + 1, cout]`:
 * conv 1 (`[3, 3, cin, cout]`, rows 0 .. 9 cin - 1), conv 2
 * (`[3, 3, cout, cout]`, the next 9 cout rows), conv 1's bias (the last
 * row); the hook point's bias is conv 2's. So every hook point keeps one
 * kernel and one bias (core/types.ts LayerParams) and per-layer gradient
 * statistics see a block as one layer.
 *
 * @module
 */
import { hookName, OUTPUT_HOOK } from "./hook_names.ts";
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { LensError } from "../errors.ts";
import { createRng } from "../rng.ts";
import type { LayerParams, ModelSpec } from "../types.ts";
import { applyActivation } from "./activation.ts";
import type { HookPlan, ModelPlan } from "./architecture.ts";
import { conv2dValid } from "./conv.ts";
import { type InitScheme, initWeights } from "./init.ts";

/** A residual block's channels and stride. */
export interface BlockShape {
  cin: number;
  cout: number;
  stride: 1 | 2;
}

/** Blocks of a ResNet of `depth` (6n + 2) and first-stage `width`, in order. */
export function resnetBlocks(depth: number, width: number): BlockShape[] {
  if (!Number.isInteger(depth) || depth < 8 || (depth - 2) % 6 !== 0) {
    throw new LensError(`depth ${depth} is not 6n + 2`, {
      code: "config",
      field: "model.depth",
      expected: "8, 14, 20, 32, 44, ...",
    });
  }
  const n = (depth - 2) / 6;
  const out: BlockShape[] = [];
  let cin = width;
  for (let stage = 0; stage < 3; stage++) {
    const cout = width << stage;
    for (let b = 0; b < n; b++) {
      out.push({ cin, cout, stride: stage > 0 && b === 0 ? 2 : 1 });
      cin = cout;
    }
  }
  return out;
}

/**
 * Hook points of a ResNet (see the module doc) for `inputShape` `[H, W, C]`
 * (H and W divisible by 4) and `numClasses` classes.
 */
export function planResnet(
  spec: Extract<ModelSpec, { type: "resnet" }>,
  inputShape: number[],
  numClasses: number,
): ModelPlan {
  const shape = inputShape.length === 2 ? [...inputShape, 1] : inputShape;
  if (shape.length !== 3 || shape[0] % 4 !== 0 || shape[1] % 4 !== 0) {
    throw new LensError(`a ResNet needs images with sides divisible by 4, got [${inputShape}]`, {
      code: "config",
      field: "model.type",
      expected: "inputs [H, W, C] with H and W multiples of 4 (cifar10: [32, 32, 3])",
    });
  }
  if (!Number.isInteger(spec.width) || spec.width < 1) {
    throw new LensError(`width ${spec.width}`, {
      code: "config",
      field: "model.width",
      expected: "an integer >= 1",
    });
  }
  let [h, w] = shape;
  const act = spec.activation;
  const hooks: HookPlan[] = [{
    info: {
      name: hookName("conv", 1),
      kind: "conv",
      units: h * w * spec.width,
      activation: act,
      hasWeights: true,
      shape: [h, w, spec.width],
    },
    shape: [h, w, spec.width],
    kernelShape: [3, 3, shape[2], spec.width],
  }];
  const blocks = resnetBlocks(spec.depth, spec.width);
  blocks.forEach((b, i) => {
    if (b.stride === 2) h /= 2, w /= 2;
    hooks.push({
      info: {
        name: hookName("block", i + 1),
        kind: "conv",
        units: h * w * b.cout,
        activation: "linear",
        hasWeights: true,
        shape: [h, w, b.cout],
      },
      shape: [h, w, b.cout],
      kernelShape: [9 * b.cin + 9 * b.cout + 1, b.cout],
    });
  });
  const c = blocks[blocks.length - 1].cout;
  hooks.push(
    {
      info: { name: "pool", kind: "pool", units: c, activation: act, hasWeights: false },
      shape: [c],
    },
    {
      info: {
        name: OUTPUT_HOOK,
        kind: "output",
        units: numClasses,
        activation: "softmax",
        hasWeights: true,
      },
      shape: [numClasses],
      kernelShape: [c, numClasses],
    },
  );
  return {
    type: "resnet",
    activation: act,
    inputShape: shape,
    inputUnits: shape[0] * shape[1] * shape[2],
    numClasses,
    hooks,
  };
}

/**
 * Initial parameters of a planned ResNet for `seed`: conv and dense
 * kernels drawn with initWeights (`scheme`; fan-in k*k*cin, fan-out
 * k*k*cout) in hook order from the seed's `init` stream, the second conv
 * of every block zero, every bias zero.
 */
export function resnetInitialParams(
  plan: ModelPlan,
  seed: number,
  scheme: InitScheme,
): LayerParams[] {
  const rng = createRng(seed, "init");
  return plan.hooks.filter((h) => h.kernelShape).map((h) => {
    const ks = h.kernelShape!;
    const cout = ks[ks.length - 1];
    let kernel: Float32Array;
    if (h.info.kind === "output") kernel = initWeights(ks[0] * cout, ks[0], cout, scheme, rng);
    else if (ks.length === 4) {
      kernel = initWeights(9 * ks[2] * cout, 9 * ks[2], 9 * cout, scheme, rng);
    } else {
      const cin = (ks[0] - 1 - 9 * cout) / 9;
      kernel = new Float32Array(ks[0] * cout);
      kernel.set(initWeights(9 * cin * cout, 9 * cin, 9 * cout, scheme, rng));
    }
    return { name: h.info.name, kernelShape: ks, kernel, bias: new Float32Array(cout) };
  });
}

/** `[n, H, W, c]` to `[n, H/2, W/2, c]`: every second row and column, from the first. */
function subsample(t: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = t.shape;
  const r = tf.reshape(t, [n * (h / 2), 2, w / 2, 2 * c]);
  return tf.reshape(tf.slice(r, [0, 0, 0, 0], [-1, 1, -1, c]), [n, h / 2, w / 2, c]);
}

/** 3x3 'same' convolution, stride 1, plus bias. */
function conv3(t: tf.Tensor4D, k: tf.Tensor4D, b: tf.Tensor1D): tf.Tensor4D {
  return conv2dValid(tf.pad(t, [[0, 0], [1, 1], [1, 1], [0, 0]]), k, b);
}

/**
 * The stages of a ResNet plan, one per hook point (`kernels` / `biases`
 * by hook-point name), for core/model/tf_model.ts.
 */
export function resnetStages(
  plan: ModelPlan,
  kernels: Map<string, tf.Variable>,
  biases: Map<string, tf.Variable>,
): ((t: tf.Tensor) => tf.Tensor)[] {
  const act = (t: tf.Tensor) => applyActivation(t, plan.activation);
  return plan.hooks.map((h) => {
    const k = kernels.get(h.info.name);
    const b = biases.get(h.info.name);
    if (h.info.kind === "output") {
      return (t) => tf.fused.matMul({ a: t as tf.Tensor2D, b: k as tf.Tensor2D, bias: b });
    }
    if (h.info.kind === "pool") return (t) => tf.mean(act(t), [1, 2]);
    if (h.kernelShape!.length === 4) {
      return (t) => act(conv3(t as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D));
    }
    const cout = h.kernelShape![1];
    const cin = (h.kernelShape![0] - 1 - 9 * cout) / 9;
    return (t) => {
      const x = act(t) as tf.Tensor4D;
      const k1 = tf.reshape(tf.slice(k!, [0, 0], [9 * cin, cout]), [3, 3, cin, cout]);
      const k2 = tf.reshape(tf.slice(k!, [9 * cin, 0], [9 * cout, cout]), [3, 3, cout, cout]);
      // Added after the conv: the wasm FusedConv2D kernel reads a reshaped slice's shape as
      // the slice's ([1, cout]) and refuses it as a bias.
      const b1 = tf.slice(k!, [9 * cin + 9 * cout, 0], [1, cout]);
      let y = act(tf.add(conv3(x, k1 as tf.Tensor4D, tf.zeros([cout])), b1)) as tf.Tensor4D;
      let s = x;
      if (x.shape[1] !== h.shape[0]) {
        y = subsample(y);
        s = subsample(x);
      }
      if (cin !== cout) {
        const p = Math.floor((cout - cin) / 2);
        s = tf.pad(s, [[0, 0], [0, 0], [0, 0], [p, cout - cin - p]]);
      }
      return tf.add(conv3(y, k2 as tf.Tensor4D, b as tf.Tensor1D), s);
    };
  });
}
