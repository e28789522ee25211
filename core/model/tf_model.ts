/**
 * A tfjs model held as explicit variables (core ops, no tfjs-layers): the
 * forward pass through every hook point, the logits alone (training), and
 * the part of the network above a hook point.
 *
 * Every method creates tensors; call them inside `tf.tidy` (or dispose the
 * results). Inputs are `[rows, units]` with units flattened row-major.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { LensError } from "../errors.ts";
import type { LayerInfo, ModelSpec } from "../types.ts";
import { applyActivation } from "./activation.ts";
import { hookIndex, type ModelPlan, planModel } from "./architecture.ts";
import { conv2dValid } from "./conv.ts";
import type { InitScheme } from "./init.ts";
import { initialParams, type LayerParams } from "./params.ts";
import { resnetInitialParams, resnetStages } from "./resnet.ts";

/** A model's variables and passes. */
export interface TfModel {
  readonly plan: ModelPlan;
  readonly layers: LayerInfo[];
  /** Trainable variables in hook order, kernel then bias of each weighted hook point. */
  readonly variables: tf.Variable[];
  /** Kernel variable of each hook point with weights, by hook-point name. */
  readonly kernels: Map<string, tf.Variable>;
  /** Logits `[rows, classes]` (pre-softmax) for inputs `[rows, inputUnits]`. */
  logits(x: tf.Tensor2D): tf.Tensor2D;
  /** Every hook point's value, flattened to `[rows, units]`; `output` is the softmax. */
  forward(x: tf.Tensor2D): Map<string, tf.Tensor2D>;
  /** Softmax output of the layers above hook point `layer`, fed `features` `[rows, units]`. */
  forwardFrom(layer: string, features: tf.Tensor2D): tf.Tensor2D;
  /** Current weights, read back (one read). */
  readParams(): Promise<LayerParams[]>;
  /** Frees the variables. */
  dispose(): void;
}

let nextModelId = 0;

type Stage = (t: tf.Tensor) => tf.Tensor;

/**
 * Builds the model of `spec` for one seed, initialised as
 * core/model/params.ts describes.
 *
 * @example
 * ```ts
 * const m = buildTfModel(
 *   { type: "mlp", hidden: [10, 7], activation: "tanh", init: "reference" }, [12], 2, 0,
 * );
 * const p = tf.tidy(() => m.forward(tf.zeros([3, 12])).get("output")!.arraySync());
 * m.dispose();
 * ```
 */
export function buildTfModel(
  spec: ModelSpec,
  inputShape: number[],
  numClasses: number,
  seed: number,
): TfModel {
  const plan = planModel(spec, inputShape, numClasses);
  const init = plan.type === "resnet" ? resnetInitialParams : initialParams;
  return createTfModel(plan, init(plan, seed, spec.init as InitScheme));
}

/** A model of `plan` holding copies of `params` (one entry per weighted hook point). */
export function createTfModel(plan: ModelPlan, params: LayerParams[]): TfModel {
  const id = nextModelId++;
  const byName = new Map(params.map((p) => [p.name, p]));
  const variables: tf.Variable[] = [];
  const kernels = new Map<string, tf.Variable>();
  const biases = new Map<string, tf.Variable>();
  for (const h of plan.hooks) {
    if (!h.kernelShape) continue;
    const p = byName.get(h.info.name);
    const units = h.kernelShape[h.kernelShape.length - 1];
    if (
      !p || p.kernel.length !== h.kernelShape.reduce((a, c) => a * c, 1) || p.bias.length !== units
    ) {
      throw new LensError(`no parameters of the right size for ${h.info.name}`, {
        code: "model",
        field: h.info.name,
        expected: `kernel [${h.kernelShape}] and ${units} biases`,
      });
    }
    const k = tf.tidy(() =>
      tf.variable(
        tf.tensor(p.kernel, h.kernelShape),
        true,
        `layerlens/m${id}/${h.info.name}/kernel`,
      )
    );
    const b = tf.tidy(() =>
      tf.variable(tf.tensor1d(p.bias), true, `layerlens/m${id}/${h.info.name}/bias`)
    );
    variables.push(k, b);
    kernels.set(h.info.name, k);
    biases.set(h.info.name, b);
  }
  const act = plan.activation;
  const stages: Stage[] = plan.hooks.map((h): Stage => {
    const k = kernels.get(h.info.name)!;
    const b = biases.get(h.info.name)!;
    switch (h.info.kind) {
      case "dense":
        return (t) =>
          applyActivation(
            tf.fused.matMul({ a: t as tf.Tensor2D, b: k as tf.Tensor2D, bias: b }),
            act,
          );
      case "output":
        return (t) => tf.fused.matMul({ a: t as tf.Tensor2D, b: k as tf.Tensor2D, bias: b });
      case "conv":
        return (t) =>
          applyActivation(conv2dValid(t as tf.Tensor4D, k as tf.Tensor4D, b as tf.Tensor1D), act);
      case "pool":
        return (t) => tf.maxPool(t as tf.Tensor4D, 2, 2, "valid");
      case "flatten":
        return (t) => tf.reshape(t, [t.shape[0], -1]);
    }
  });
  // A ResNet's blocks (shortcuts, two convs each) are stages of their own (resnet.ts).
  if (plan.type === "resnet") {
    stages.splice(0, stages.length, ...resnetStages(plan, kernels, biases));
  }
  const asInput = (x: tf.Tensor2D): tf.Tensor =>
    plan.type !== "mlp" ? tf.reshape(x, [x.shape[0], ...plan.inputShape]) : x;
  const flat = (t: tf.Tensor) =>
    (t.rank === 2 ? t : tf.reshape(t, [t.shape[0], -1])) as tf.Tensor2D;
  const runFrom = (start: number, t: tf.Tensor): tf.Tensor2D => {
    for (let i = start; i < stages.length; i++) t = stages[i](t);
    return t as tf.Tensor2D;
  };
  const layers = plan.hooks.map((h) => ({ ...h.info }));
  return {
    plan,
    layers,
    variables,
    kernels,
    logits: (x) => runFrom(0, asInput(x)),
    forward(x) {
      const out = new Map<string, tf.Tensor2D>();
      let t = asInput(x);
      stages.forEach((stage, i) => {
        t = stage(t);
        const name = plan.hooks[i].info.name;
        out.set(name, name === "output" ? tf.softmax(t as tf.Tensor2D) : flat(t));
      });
      return out;
    },
    forwardFrom(layer, features) {
      const i = hookIndex(plan, layer);
      const h = plan.hooks[i];
      if (features.shape[1] !== h.info.units) {
        throw new LensError(`features have ${features.shape[1]} columns`, {
          code: "data",
          field: `forwardFrom(${layer})`,
          expected: `${h.info.units} columns, the units of ${layer}`,
        });
      }
      if (h.info.kind === "output") return tf.clone(features);
      const t = h.shape.length > 1
        ? tf.reshape(features, [features.shape[0], ...h.shape])
        : features;
      return tf.softmax(runFrom(i + 1, t));
    },
    async readParams() {
      const flatAll = tf.tidy(() => tf.concat(variables.map((v) => tf.reshape(v, [-1]))));
      const data = (await flatAll.data()) as Float32Array;
      flatAll.dispose();
      let off = 0;
      const take = (n: number) => data.slice(off, off += n);
      return plan.hooks.filter((h) => h.kernelShape).map((h) => {
        const k = kernels.get(h.info.name)!;
        const b = biases.get(h.info.name)!;
        return {
          name: h.info.name,
          kernelShape: h.kernelShape!,
          kernel: take(k.size),
          bias: take(b.size),
        };
      });
    },
    dispose() {
      for (const v of variables) v.dispose();
    },
  };
}
