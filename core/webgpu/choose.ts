/**
 * `backend: auto`: webgpu when the adapter is a real GPU and a training
 * step is large enough to gain from it, else wasm.
 *
 * The work of a step is counted as multiply-adds of one forward pass over
 * a batch ({@link forwardMacs} x batch size): dense layers in x out per
 * sample, convolutions k x k x in x out per output position. Below
 * {@link WEBGPU_MIN_MACS} per step, tfjs's per-op dispatch (tens of
 * microseconds per kernel on a GPU, dozens of kernels per step) costs more
 * than wasm's whole step. The threshold is a placeholder sized from that
 * argument until it is measured on a real GPU (`bench/webgpu_crossover.ts`
 * measures it; on Mesa's lavapipe, a CPU adapter, webgpu never wins, which
 * is why software adapters are never chosen).
 *
 * @module
 */
import { planModel } from "../model/architecture.ts";
import type { ModelSpec } from "../types.ts";
import type { AdapterSummary } from "./adapter_info.ts";

/** The backends `auto` chooses between. */
export type AutoBackend = "wasm" | "webgpu";

/** What `auto` chose and why. */
export interface BackendDecision {
  backend: AutoBackend;
  reason: string;
}

/** Multiply-adds per training step from which `auto` picks a real GPU. */
export const WEBGPU_MIN_MACS = 2e8;

/** The shapes of a model that set its work (hook shapes and weight shapes). */
export interface ModelShapes {
  hooks: { shape: number[]; kernelShape?: number[] }[];
}

/**
 * Multiply-adds of one forward pass of one sample through `plan`.
 *
 * @example
 * ```ts
 * forwardMacs({ hooks: [{ shape: [10], kernelShape: [12, 10] }, { shape: [2], kernelShape: [10, 2] }] }); // 140
 * ```
 */
export function forwardMacs(plan: ModelShapes): number {
  let macs = 0;
  for (const h of plan.hooks) {
    const k = h.kernelShape;
    if (!k) continue;
    const perOutput = k.reduce((a, b) => a * b, 1);
    // conv: [k, k, in, out] at every output position of its [h, w, c] map
    macs += k.length === 4 ? perOutput * h.shape[0] * h.shape[1] : perOutput;
  }
  return macs;
}

/**
 * Multiply-adds of one training step's forward pass: the model `spec` on
 * inputs of shape `inputShape`, `numClasses` classes, `batchSize` rows.
 *
 * @example
 * ```ts
 * const spec = { type: "mlp", hidden: [10], activation: "tanh", init: "tfjs" } as const;
 * stepMacs(spec, [12], 2, 512); // 512 * (12 * 10 + 10 * 2)
 * ```
 */
export function stepMacs(
  spec: ModelSpec,
  inputShape: number[],
  numClasses: number,
  batchSize: number,
): number {
  return forwardMacs(planModel(spec, inputShape, numClasses)) * batchSize;
}

/**
 * The backend `auto` takes for `adapter` (null: none) and a step of
 * `macsPerStep` multiply-adds (undefined: not known, taken as small).
 *
 * @example
 * ```ts
 * decideBackend(null, 1e9).backend; // "wasm"
 * ```
 */
export function decideBackend(
  adapter: AdapterSummary | null,
  macsPerStep: number | undefined,
): BackendDecision {
  if (!adapter) return { backend: "wasm", reason: "auto: no WebGPU adapter" };
  const name = adapter.description || adapter.vendor || "the adapter";
  if (adapter.software) {
    return {
      backend: "wasm",
      reason: `auto: ${name} is a CPU adapter (${adapter.softwareReason})`,
    };
  }
  const work = macsPerStep ?? 0;
  if (work < WEBGPU_MIN_MACS) {
    return {
      backend: "wasm",
      reason: `auto: GPU ${name}, but a step is ${
        macsPerStep === undefined ? "of unknown size" : fmt(work) + " multiply-adds"
      } (< ${fmt(WEBGPU_MIN_MACS)})`,
    };
  }
  return {
    backend: "webgpu",
    reason: `auto: GPU ${name}, a step is ${fmt(work)} multiply-adds (>= ${fmt(WEBGPU_MIN_MACS)})`,
  };
}

function fmt(n: number): string {
  return n.toExponential(1).replace("e+", "e");
}
