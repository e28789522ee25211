/**
 * Options shared by the complexity plugins that train disentanglers, and
 * reading them back typed.
 *
 * @module
 */
import { LensError } from "../../core/errors.ts";
import { defineOptions, type OptionValues } from "../../core/plugin_def.ts";
import type { LayerInfo } from "../../core/types.ts";
import { imageShapeOf } from "./conv_disentangler_net.ts";
import type { DisentangleOptions, DisentanglerKind } from "./disentangle_kernel.ts";
import type { FitOptions } from "./fit.ts";

/** Disentangler options (the defaults are the MLP defaults of docs/methods.md section 7). */
export const DISENTANGLER_OPTIONS = defineOptions({
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
  steps: {
    type: "integer",
    default: 0,
    min: 0,
    description: "mini-batches per order, the same whatever the data size (0: train by " +
      "`epochs`, whose steps grow with the rows fitted)",
  },
  schedule: {
    type: "enum",
    choices: ["epochs", "ren2021"],
    default: "epochs",
    description: "epochs: `epochs` / `steps`, `batchSize`, `lrStart` -> `lrEnd` as set; " +
      "ren2021: the authors' loop (500 epochs per order of 2000 rows drawn with " +
      "replacement, batch 128/128/128/64/64/32 by order, lr 1e-3 -> 1e-5; overrides those options)",
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
});

/** Validated values of {@link DISENTANGLER_OPTIONS} (a plugin's options spreading them). */
export type DisentanglerOptionValues = OptionValues<typeof DISENTANGLER_OPTIONS>;

/**
 * The budget of the authors' code for [Ren] (`schedule: ren2021`): per
 * order 500 epochs, each of 2000 rows drawn with replacement, mini-batches
 * of 128, 128, 128, 64, 64, 32 rows for orders 1..6 (32 beyond), learning
 * rate log-spaced 1e-3 -> 1e-5 over the epochs: 8000 (orders 1-3), 16 000
 * (4-5) and 31 500 (6) Adam steps.
 */
export const REN2021_SCHEDULE = {
  epochs: 500,
  draw: 2000,
  batchSizes: [128, 128, 128, 64, 64, 32],
  lrStart: 1e-3,
  lrEnd: 1e-5,
} as const;

/**
 * The disentangler options of validated values `o` (a plugin's, or
 * {@link readOptions} of {@link DISENTANGLER_OPTIONS}) for run seed
 * `runSeed`: the seed combined with it, `schedule: ren2021` applied.
 */
export function disentanglerOptions(
  o: DisentanglerOptionValues,
  runSeed: number,
): DisentangleOptions & { layer: string; samples: number } {
  const base = {
    layer: o.layer,
    orders: o.orders,
    width: o.width,
    epochs: o.epochs,
    batchSize: o.batchSize,
    steps: o.steps,
    samples: o.samples,
    lrStart: o.lrStart,
    lrEnd: o.lrEnd,
    seed: o.seed * 1_000_003 + runSeed,
  };
  const schedule: string = o.schedule;
  if (schedule === "epochs") return base;
  if (schedule !== "ren2021") {
    throw new LensError(`unknown disentangler schedule "${schedule}"`, {
      code: "plugin",
      field: "schedule",
      expected: "epochs or ren2021",
    });
  }
  const r = REN2021_SCHEDULE;
  return {
    ...base,
    epochs: r.epochs,
    draw: r.draw,
    steps: 0,
    batchSize: r.batchSizes[0],
    batchSizes: [...r.batchSizes],
    lrStart: r.lrStart,
    lrEnd: r.lrEnd,
  };
}

/**
 * The training budget of order `l` (1-based) under `o`: its batch size
 * (`batchSizes[l - 1]`, the last entry beyond the list, else `batchSize`),
 * epochs, draws, steps and learning rates, as {@link fitBatches} takes them.
 */
export function orderBudget(
  o: Pick<
    DisentangleOptions,
    "epochs" | "batchSize" | "batchSizes" | "steps" | "draw" | "lrStart" | "lrEnd"
  >,
  l: number,
): Omit<FitOptions, "rng"> {
  const sizes = o.batchSizes;
  const batchSize = sizes?.length ? sizes[Math.min(l, sizes.length) - 1] : o.batchSize;
  return {
    epochs: o.epochs,
    batchSize,
    steps: o.steps ?? 0,
    draw: o.draw ?? 0,
    lrStart: o.lrStart,
    lrEnd: o.lrEnd,
  };
}

/**
 * The disentangle plugin's choice of disentangler family (the reliability
 * and kd-compression plugins train MLP disentanglers only).
 */
export const DISENTANGLER_NET_OPTIONS = defineOptions({
  net: {
    type: "enum",
    choices: ["auto", "mlp", "conv", "resnet"],
    default: "auto",
    description: "disentangler family: mlp (ReLU dense layers of `width` units on the " +
      "flattened input), conv (ReLU 3x3 'same' conv layers of `channels` channels on the " +
      "image, flatten + linear head), resnet (the authors' residual conv nets: 3 stages of " +
      "2^(l-1) blocks of `channels`, 2x, 4x channels; 1x1 conv head for a map feature), " +
      "auto (conv for a CNN on image inputs, else mlp)",
  },
  channels: {
    type: "integer",
    default: 16,
    min: 1,
    description: "channels per conv layer of the conv disentanglers (net: conv); first-stage " +
      "channels of the resnet disentanglers (net: resnet; the authors used 128)",
  },
});

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
  if (choice === "conv" || choice === "resnet") {
    if (!image) {
      throw new LensError(`the conv disentangler needs image inputs, got shape [${inputShape}]`, {
        code: "plugin",
        field,
        expected: "an input shape [H, W, C], or net: mlp",
      });
    }
    return choice;
  }
  if (choice !== "auto") {
    throw new LensError(`unknown disentangler family "${choice}"`, {
      code: "plugin",
      field,
      expected: "one of auto, mlp, conv, resnet",
    });
  }
  return image && layers.some((l) => l.kind === "conv") ? "conv" : "mlp";
}
