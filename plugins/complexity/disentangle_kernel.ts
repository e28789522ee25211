/**
 * The disentangling of [Ren] (METHODS section 7): disentanglers Phi^(1..L)
 * of growing order, each warm-started from the previous one
 * ({@link growNet}), trained by plain MSE to mimic the feature f(x) from
 * the input x; Adam with the learning rate log-spaced 1e-3 -> 1e-5 over
 * each order's epochs.
 *
 * f is standardised first (per-dimension centring, one global scale;
 * see feature_scale.ts) and the outputs are mapped back, so Phi^(l) is in
 * f's units and includes f's mean.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs-core";
import { LensError } from "../../core/errors.ts";
import { createRng } from "../../core/rng.ts";
import {
  createNet,
  type DisentanglerNet,
  disposeNet,
  forwardNet,
  growNet,
  mapRows,
  netVariables,
} from "./disentangler_net.ts";
import { fitScale, standardize, unstandardize } from "./feature_scale.ts";
import { netGradients } from "./disentangler_grads.ts";
import { fitBatches } from "./fit.ts";
import { ensureGradients } from "./tf_gradients.ts";

/** Inputs and the feature to mimic, row-major. */
export interface DisentangleInput {
  /** Training inputs, `n` by `inDim`. */
  x: Float32Array;
  /** The feature f(x), `n` by `dim`. */
  f: Float32Array;
  n: number;
  inDim: number;
  dim: number;
  /** Optional held-out inputs on which Phi^(l) is also evaluated. */
  xTest?: Float32Array;
  nTest?: number;
}

/** How to disentangle. */
export interface DisentangleOptions {
  /** L: orders 1..L. */
  orders: number;
  /** Units of every ReLU layer. */
  width: number;
  /** Epochs per order. */
  epochs: number;
  batchSize: number;
  seed: number;
  lrStart?: number;
  lrEnd?: number;
  /** Called after each order is trained (progress). */
  onOrder?: (order: number, loss: number) => void;
}

/** Phi^(1..L) on the training (and test) inputs, in f's units. */
export interface DisentangleResult {
  orders: number;
  dim: number;
  /** `phiTrain[l-1]` is Phi^(l)(x) on the training inputs, n by dim. */
  phiTrain: Float32Array[];
  /** Same on the test inputs (empty when none were given). */
  phiTest: Float32Array[];
  /** Distillation MSE mean over samples and dimensions, in f's units, per order. */
  loss: number[];
}

/** Mean squared difference of two equally long arrays (float64 sum). */
export function meanSquaredError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    s += d * d;
  }
  return a.length ? s / a.length : 0;
}

/**
 * Trains Phi^(1..L) and returns their outputs. Every tensor it makes is
 * disposed before it returns.
 *
 * @example
 * ```ts
 * const r = await disentangle({ x, f, n, inDim: 784, dim: 64 },
 *   { orders: 6, width: 128, epochs: 30, batchSize: 128, seed: 0 });
 * const c3 = componentsFromPhis(r.phiTrain)[2];
 * ```
 */
export async function disentangle(
  input: DisentangleInput,
  opts: DisentangleOptions,
): Promise<DisentangleResult> {
  await ensureGradients();
  const { n, inDim, dim } = input;
  const expect = (name: string, got: number, want: number) => {
    if (got !== want) {
      throw new LensError(`${name} has ${got} values`, {
        code: "plugin",
        field: name,
        expected: `${want} values`,
      });
    }
  };
  expect("x", input.x.length, n * inDim);
  expect("f", input.f.length, n * dim);
  if (input.xTest && input.nTest) expect("xTest", input.xTest.length, input.nTest * inDim);
  const scale = fitScale(input.f, n, dim);
  const z = standardize(input.f, scale);
  const rng = createRng(opts.seed, "disentangle");
  const phiTrain: Float32Array[] = [];
  const phiTest: Float32Array[] = [];
  const loss: number[] = [];
  let net: DisentanglerNet | undefined;
  try {
    for (let l = 1; l <= opts.orders; l++) {
      const next: DisentanglerNet = net ? growNet(net) : createNet(inDim, opts.width, dim, 1, rng);
      if (net) disposeNet(net);
      net = next;
      const cur = net;
      fitBatches(
        netVariables(cur),
        [{ data: input.x, cols: inDim }, { data: z, cols: dim }],
        n,
        { gradients: ([xb, zb]) => netGradients(cur, xb, zb) },
        {
          epochs: opts.epochs,
          batchSize: opts.batchSize,
          lrStart: opts.lrStart,
          lrEnd: opts.lrEnd,
          rng,
        },
      );
      const fwd = (xb: tf.Tensor2D) => forwardNet(cur, xb);
      const phi = unstandardize(await mapRows(input.x, n, inDim, dim, fwd), scale, true);
      phiTrain.push(phi);
      loss.push(meanSquaredError(phi, input.f));
      if (input.xTest && input.nTest) {
        const pt = await mapRows(input.xTest, input.nTest, inDim, dim, fwd);
        phiTest.push(unstandardize(pt, scale, true));
      }
      opts.onOrder?.(l, loss[l - 1]);
    }
  } finally {
    if (net) disposeNet(net);
  }
  return { orders: opts.orders, dim, phiTrain, phiTest, loss };
}
