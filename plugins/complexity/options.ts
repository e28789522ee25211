/**
 * Options shared by the complexity plugins that train disentanglers, and
 * reading them back typed.
 *
 * @module
 */
import type { OptionSpec } from "../../core/types.ts";
import type { DisentangleOptions } from "./disentangle_kernel.ts";

/** Disentangler options (the defaults are the MLP defaults of METHODS section 7). */
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
  width: { type: "integer", default: 128, min: 1, description: "units per disentangler layer" },
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
