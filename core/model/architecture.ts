/**
 * The hook points of a model built from a {@link ModelSpec}: names, kinds,
 * per-sample shapes and weight shapes, worked out without tfjs.
 *
 * - MLP: `dense_1` .. `dense_k` (one per hidden width), `output` (softmax).
 * - CNN: `conv_1`, `pool_1`, ..., `conv_m`, `pool_m` (each conv: square
 *   kernel, stride 1, `valid` padding, then the activation; each pool: 2x2
 *   max pool, stride 2, remainder rows / columns dropped), `flatten`,
 *   `dense_1` .. `dense_k`, `output`.
 *
 * - ResNet: `conv_1`, `block_1` .. `block_3n`, `pool`, `output` (see
 *   resnet.ts).
 *
 * Conv and pool hook points hold NHWC feature maps; flattened, a sample's
 * row is in (y, x, channel) order.
 *
 * @module
 */
import { hookName, OUTPUT_HOOK } from "./hook_names.ts";
import { LensError } from "../errors.ts";
import type { LayerInfo, ModelSpec } from "../types.ts";
import { checkActivation } from "./activations.ts";
import { planResnet } from "./resnet.ts";

/** One hook point of a planned model. */
export interface HookPlan {
  info: LayerInfo;
  /** Shape of one sample at this hook point: `[units]`, or `[h, w, c]` for conv / pool. */
  shape: number[];
  /** Weight shape: `[in, out]` (dense, output) or `[k, k, in, out]` (conv). */
  kernelShape?: number[];
}

/** A model's hook points, input to output. */
export interface ModelPlan {
  type: "mlp" | "cnn" | "resnet";
  activation: string;
  /** Shape of one input sample (`[h, w, c]` for CNNs). */
  inputShape: number[];
  /** Values per input sample. */
  inputUnits: number;
  numClasses: number;
  hooks: HookPlan[];
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

function fail(message: string, field: string, expected: string): never {
  throw new LensError(message, { code: "config", field, expected });
}

function checkPositiveInt(v: number, field: string): void {
  if (!Number.isInteger(v) || v < 1) fail(`got ${v}`, field, "an integer >= 1");
}

/**
 * Plans the model `spec` for inputs of shape `inputShape` and `numClasses`
 * classes.
 *
 * @example
 * ```ts
 * const plan = planModel(
 *   { type: "cnn", conv: [{ filters: 8, kernel: 5 }], dense: [32], activation: "relu", init: "tfjs" },
 *   [28, 28, 1], 10,
 * );
 * plan.hooks.map((h) => h.info.name); // conv_1, pool_1, flatten, dense_1, output
 * ```
 */
export function planModel(spec: ModelSpec, inputShape: number[], numClasses: number): ModelPlan {
  checkActivation(spec.activation);
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    fail(`${numClasses} classes`, "data", "at least 2 classes");
  }
  const act = spec.activation;
  const hooks: HookPlan[] = [];
  const dense = (widths: number[], field: string, inUnits: number) => {
    let units = inUnits;
    widths.forEach((w, i) => {
      checkPositiveInt(w, `${field}[${i}]`);
      hooks.push({
        info: {
          name: hookName("dense", i + 1),
          kind: "dense",
          units: w,
          activation: act,
          hasWeights: true,
        },
        shape: [w],
        kernelShape: [units, w],
      });
      units = w;
    });
    hooks.push({
      info: {
        name: OUTPUT_HOOK,
        kind: "output",
        units: numClasses,
        activation: "softmax",
        hasWeights: true,
      },
      shape: [numClasses],
      kernelShape: [units, numClasses],
    });
  };
  if (spec.type === "mlp") {
    const inputUnits = prod(inputShape);
    dense(spec.hidden, "model.hidden", inputUnits);
    return { type: "mlp", activation: act, inputShape, inputUnits, numClasses, hooks };
  }
  if (spec.type === "resnet") return planResnet(spec, inputShape, numClasses);
  if (inputShape.length !== 2 && inputShape.length !== 3) {
    fail(
      `a CNN needs image inputs, got input shape [${inputShape}]`,
      "model.type",
      "inputs of shape [height, width, channels] (e.g. mnist), or model.type mlp",
    );
  }
  const shape0 = inputShape.length === 2 ? [...inputShape, 1] : inputShape;
  let [h, w, c] = shape0;
  if (spec.conv.length === 0) fail("no conv layers", "model.conv", "at least one conv layer");
  spec.conv.forEach((layer, i) => {
    const field = `model.conv[${i}]`;
    checkPositiveInt(layer.filters, `${field}.filters`);
    checkPositiveInt(layer.kernel, `${field}.kernel`);
    const k = layer.kernel;
    const ho = h - k + 1, wo = w - k + 1;
    if (ho < 2 || wo < 2) {
      fail(
        `a ${k}x${k} kernel leaves a ${ho}x${wo} map from ${h}x${w}, too small to pool`,
        `${field}.kernel`,
        `a kernel of at most ${Math.min(h, w) - 1}`,
      );
    }
    hooks.push({
      info: {
        name: hookName("conv", i + 1),
        kind: "conv",
        units: ho * wo * layer.filters,
        activation: act,
        hasWeights: true,
      },
      shape: [ho, wo, layer.filters],
      kernelShape: [k, k, c, layer.filters],
    });
    h = Math.floor(ho / 2);
    w = Math.floor(wo / 2);
    c = layer.filters;
    hooks.push({
      info: {
        name: hookName("pool", i + 1),
        kind: "pool",
        units: h * w * c,
        activation: "linear",
        hasWeights: false,
      },
      shape: [h, w, c],
    });
  });
  const flat = h * w * c;
  hooks.push({
    info: {
      name: "flatten",
      kind: "flatten",
      units: flat,
      activation: "linear",
      hasWeights: false,
    },
    shape: [flat],
  });
  dense(spec.dense, "model.dense", flat);
  return {
    type: "cnn",
    activation: act,
    inputShape: shape0,
    inputUnits: prod(shape0),
    numClasses,
    hooks,
  };
}

/** Index of hook point `name` in `plan`, or a LensError naming the hook points there are. */
export function hookIndex(plan: ModelPlan, name: string): number {
  const i = plan.hooks.findIndex((h) => h.info.name === name);
  if (i < 0) {
    throw new LensError(`no hook point "${name}"`, {
      code: "not_found",
      field: "layer",
      expected: `one of ${plan.hooks.map((h) => h.info.name).join(", ")}`,
    });
  }
  return i;
}
