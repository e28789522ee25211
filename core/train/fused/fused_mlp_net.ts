/**
 * Shape of a fused MLP: layer sizes, activation, and where each layer's
 * weights and biases sit in one seed's flat parameter block. Shared by the
 * pure-TS kernel, the WebAssembly kernel, and the trainer.
 *
 * Parameter block of one seed: for each layer k, `W_k` ([in, out] row-major,
 * the layout of `initDense`) then `b_k`, padded with zeros to a multiple of 4.
 *
 * @module
 */
import { LensError } from "../../errors.ts";
import { FUSED_ACTIVATION_NAMES } from "../../model/activations.ts";
import type { DenseParams } from "../../model/init.ts";

/** Layout of one MLP's parameters. */
export interface NetShape {
  /** Layer sizes, input first, classes last, e.g. `[12, 10, 7, 5, 4, 3, 2]`. */
  sizes: number[];
  /** Hidden activation name. */
  activation: string;
  /** Kernel code of the activation: index in {@link FUSED_ACTIVATION_NAMES}. */
  act: number;
  /** Number of weight layers. */
  L: number;
  /** Offset (floats) of `W_k` in a parameter block. */
  wOff: number[];
  /** Offset (floats) of `b_k` in a parameter block. */
  bOff: number[];
  /** Parameters of one seed, padded to a multiple of 4. */
  nParams: number;
  /** Weights (no biases) of one seed: the size of one batch's gradient report. */
  nWeights: number;
  /** Units over all hook points (layers 1..L): the size of one captured row. */
  nUnits: number;
}

/**
 * The layout for `sizes` with hidden activation `activation`.
 *
 * @example
 * ```ts
 * const net = netShape([12, 10, 7, 5, 4, 3, 2], "tanh");
 * net.nWeights; // 263
 * ```
 */
export function netShape(sizes: number[], activation: string): NetShape {
  const act = FUSED_ACTIVATION_NAMES.indexOf(activation);
  if (act < 0) {
    throw new LensError(`the fused MLP kernel does not implement activation "${activation}"`, {
      code: "config",
      field: "model.activation",
      expected: `one of ${FUSED_ACTIVATION_NAMES.join(", ")} (or engine: tfjs)`,
    });
  }
  if (sizes.length < 2 || sizes.some((s) => !Number.isInteger(s) || s < 1)) {
    throw new LensError(`layer sizes must be positive integers, got [${sizes.join(", ")}]`, {
      code: "config",
      field: "model.hidden",
      expected: "positive integer widths",
    });
  }
  const L = sizes.length - 1;
  const wOff: number[] = [];
  const bOff: number[] = [];
  let n = 0;
  let nWeights = 0;
  for (let k = 0; k < L; k++) {
    wOff.push(n);
    n += sizes[k] * sizes[k + 1];
    nWeights += sizes[k] * sizes[k + 1];
    bOff.push(n);
    n += sizes[k + 1];
  }
  const nUnits = sizes.slice(1).reduce((a, b) => a + b, 0);
  return { sizes, activation, act, L, wOff, bOff, nParams: (n + 3) & ~3, nWeights, nUnits };
}

/** One seed's parameter block from per-layer weights and biases. */
export function packParams(net: NetShape, p: Pick<DenseParams, "w" | "b">): Float32Array {
  const out = new Float32Array(net.nParams);
  for (let k = 0; k < net.L; k++) {
    out.set(p.w[k], net.wOff[k]);
    out.set(p.b[k], net.bOff[k]);
  }
  return out;
}

/** Per-layer weights and biases (copies) of a parameter block. */
export function unpackParams(
  net: NetShape,
  block: Float32Array | Float64Array,
): { w: Float32Array[]; b: Float32Array[] } {
  const w: Float32Array[] = [];
  const b: Float32Array[] = [];
  for (let k = 0; k < net.L; k++) {
    const nin = net.sizes[k], nout = net.sizes[k + 1];
    w.push(Float32Array.from(block.subarray(net.wOff[k], net.wOff[k] + nin * nout)));
    b.push(Float32Array.from(block.subarray(net.bOff[k], net.bOff[k] + nout)));
  }
  return { w, b };
}

/** Offset (floats) of layer k's weights within one batch's weight-gradient report. */
export function gradOffsets(net: NetShape): number[] {
  const out: number[] = [];
  let o = 0;
  for (let k = 0; k < net.L; k++) {
    out.push(o);
    o += net.sizes[k] * net.sizes[k + 1];
  }
  return out;
}

/** Offset (floats per row) of hook point k (1..L) within one captured row block. */
export function unitOffsets(net: NetShape): number[] {
  const out: number[] = [0];
  let o = 0;
  for (let k = 1; k <= net.L; k++) {
    out.push(o);
    o += net.sizes[k];
  }
  return out;
}
