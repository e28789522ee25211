/**
 * Options shared by the complexity plugins that train disentanglers, and
 * reading them back typed.
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import type { LayerInfo, OptionSpec } from "../../core/types.ts";
import { imageShapeOf } from "./conv_disentangler_net.ts";
import type { DisentangleOptions, DisentanglerKind } from "./disentangle_kernel.ts";

/** Disentangler options (the defaults are the MLP defaults of docs/methods.md section 7). */
export const DISENTANGLER_OPTIONS: Record<string, OptionSpec> = {
  layer: {
    type: "string",
    default: "",
    description: "hook point of the feature f (empty: the last hidden layer)",
  },
  orders: {
    type: "integer",
    default: 6,
    min: 1,
    max: 30,
    description: "L: disentanglers Phi^(1..L) with 1..L ReLU layers",
  },
  width: {
    type: "integer",
    default: 128,
    min: 1,
    description: "units per layer of the MLP disentanglers",
  },
  epochs: { type: "integer", default: 100, min: 1, description: "training epochs per order" },
  batchSize: { type: "integer", default: 128, min: 1, description: "mini-batch size" },
  samples: {
    type: "integer",
    default: 0,
    min: 0,
    description: "training samples the disentanglers fit (0: all; otherwise a seeded subset)",
  },
  lrStart: { type: "number", default: 1e-3, min: 0, description: "learning rate, first epoch" },
  lrEnd: {
    type: "number",
    default: 1e-5,
    min: 0,
    description: "learning rate, last epoch (log-spaced)",
  },
  seed: {
    type: "integer",
    default: 0,
    description: "seed of the disentanglers (combined with the run seed)",
  },
};

/** The typed disentangler options of `o` for run seed `runSeed`. */
export function disentanglerOptions(
  o: Record<string, unknown>,
  runSeed: number,
): DisentangleOptions & { layer: string; samples: number } {
  const num = (k: string) => Number(o[k] ?? DISENTANGLER_OPTIONS[k].default);
  return {
    layer: String(o.layer ?? ""),
    orders: num("orders"),
    width: num("width"),
    epochs: num("epochs"),
    batchSize: num("batchSize"),
    samples: num("samples"),
    lrStart: num("lrStart"),
    lrEnd: num("lrEnd"),
    seed: num("seed") * 1_000_003 + runSeed,
  };
}

/**
 * The disentangle plugin's choice of disentangler family (the reliability
 * and kd-compression plugins train MLP disentanglers only).
 */
export const DISENTANGLER_NET_OPTIONS: Record<string, OptionSpec> = {
  net: {
    type: "enum",
    choices: ["auto", "mlp", "conv"],
    default: "auto",
    description: "disentangler family: mlp (ReLU dense layers of `width` units on the " +
      "flattened input), conv (ReLU 3x3 'same' conv layers of `channels` channels on the " +
      "image, flatten + linear head), auto (conv for a CNN on image inputs, else mlp)",
  },
  channels: {
    type: "integer",
    default: 16,
    min: 1,
    description: "channels per conv layer of the conv disentanglers (net: conv)",
  },
};

/**
 * The disentangler family for option `net` (`auto`, `mlp`, `conv`; undefined
 * reads as `auto`) on inputs of shape `inputShape` into a network with hook
 * points `layers`. `auto` picks `conv` when the input is an image (`[H, W, C]`
 * or `[H, W]`) and the network itself is convolutional (has a conv hook
 * point), else `mlp`; `conv` on a non-image input is an error.
 *
 * @example
 * ```ts
 * chooseNet("auto", [28, 28, 1], cnn.layers); // "conv"
 * chooseNet("auto", [28, 28, 1], mlp.layers); // "mlp"
 * ```
 */
export function chooseNet(
  net: unknown,
  inputShape: number[],
  layers: LayerInfo[],
  field = "disentangle.net",
): DisentanglerKind {
  const choice = String(net ?? "auto");
  const image = imageShapeOf(inputShape) !== undefined;
  if (choice === "mlp") return "mlp";
  if (choice === "conv") {
    if (!image) {
      throw new LensError(`the conv disentangler needs image inputs, got shape [${inputShape}]`, {
        code: "plugin",
        field,
        expected: "an input shape [H, W, C], or net: mlp",
      });
    }
    return "conv";
  }
  if (choice !== "auto") {
    throw new LensError(`unknown disentangler family "${choice}"`, {
      code: "plugin",
      field,
      expected: "one of auto, mlp, conv",
    });
  }
  return image && layers.some((l) => l.kind === "conv") ? "conv" : "mlp";
}
