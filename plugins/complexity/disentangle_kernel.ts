/**
 * The disentangling of [Ren] (docs/methods.md section 7): disentanglers Phi^(1..L)
 * of growing order, each warm-started from the previous one
 * ({@link growNet}), trained by plain MSE to mimic the feature f(x) from
 * the input x; Adam with the learning rate log-spaced 1e-3 -> 1e-5 over
 * each order's epochs.
 *
 * Two families of disentanglers (`net`): `mlp` (disentangler_net.ts, on
 * the flattened input, hand-written gradients) and `conv`
 * (conv_disentangler_net.ts, ReLU conv layers on the image `imageShape`
 * with a flatten + dense head, tfjs's gradient tape).
 *
 * f is standardised first (per-dimension centring, one global scale;
 * see feature_scale.ts) and the outputs are mapped back, so Phi^(l) is in
 * f's units and includes f's mean.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { LensError } from "../../core/errors.ts";
import { createRng, type Rng } from "../../core/rng.ts";
import {
  createNet,
  type DisentanglerNet,
  disposeNet,
  forwardNet,
  growNet,
  mapRows,
  netVariables,
} from "./disentangler_net.ts";
import {
  type ConvDisentanglerNet,
  convNetVariables,
  createConvNet,
  disposeConvNet,
  forwardConvNet,
  growConvNet,
  imageShapeOf,
} from "./conv_disentangler_net.ts";
import { fitScale, standardize, unstandardize } from "./feature_scale.ts";
import {
  createResnetNet,
  disposeResnetNet,
  featureChannelsOf,
  forwardResnetNet,
  growResnetNet,
  type ResnetDisentanglerNet,
  resnetNetVariables,
} from "./resnet_disentangler_net.ts";
import { netGradients } from "./disentangler_grads.ts";
import { fitBatches } from "./fit.ts";
import { orderBudget } from "./options.ts";
import { ensureGradients } from "../../core/gradients.ts";

/** Inputs and the feature to mimic, row-major. */
export interface DisentangleInput {
  /** Training inputs, `n` by `inDim`. */
  x: Float32Array;
  /** The feature f(x), `n` by `dim`. */
  f: Float32Array;
  /** Training samples (rows). */
  n: number;
  /** Values per input (columns of `x`). */
  inDim: number;
  /** Values per feature (columns of `f`). */
  dim: number;
  /** Optional held-out inputs on which Phi^(l) is also evaluated. */
  xTest?: Float32Array;
  /** Rows of `xTest`. */
  nTest?: number;
  /** Shape of one input image, `[H, W, C]` (or `[H, W]`); needed by `net: "conv"`. */
  imageShape?: number[];
  /**
   * Rows to train on when they are not `x` (e.g. the whole training set
   * while the statistics are taken on the target's rows `x`): inputs
   * `n` by `inDim` and f on them, `n` by `dim`.
   */
  fit?: { x: Float32Array; f: Float32Array; n: number };
  /** Shape of one sample of f when it is a map (`net: "resnet"` mimics maps with a 1x1 conv head). */
  featureShape?: number[];
}

/**
 * Which disentangler family: MLPs on the flattened input, conv nets on the
 * image, or residual conv nets (the authors' family; resnet_disentangler_net.ts).
 */
export type DisentanglerKind = "mlp" | "conv" | "resnet";

/** How to disentangle. */
export interface DisentangleOptions {
  /** L: orders 1..L. */
  orders: number;
  /** Units of every ReLU layer (the MLP variant). */
  width: number;
  /** Disentangler family (default `mlp`). */
  net?: DisentanglerKind;
  /** Channels of every conv layer (the conv variant; default 16). */
  channels?: number;
  /** Epochs per order. */
  epochs: number;
  /** Mini-batch size. */
  batchSize: number;
  /** Mini-batch size per order (order l takes entry l - 1, the last beyond); overrides `batchSize`. */
  batchSizes?: number[];
  /** Mini-batches per order, independent of n (0 or absent: by `epochs`). */
  steps?: number;
  /** Rows drawn with replacement per epoch (0 or absent: a permutation of all rows). */
  draw?: number;
  /** Seed of the initial weights and the batch order. */
  seed: number;
  /** Learning rate of each order's first epoch (default 1e-3). */
  lrStart?: number;
  /** Learning rate of each order's last epoch, log-spaced (default 1e-5). */
  lrEnd?: number;
  /** Called after each order is trained (progress). */
  onOrder?: (order: number, loss: number) => void;
}

/** Phi^(1..L) on the training (and test) inputs, in f's units. */
export interface DisentangleResult {
  /** L. */
  orders: number;
  /** Values per feature. */
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
  if (input.fit) {
    expect("fit.x", input.fit.x.length, input.fit.n * inDim);
    expect("fit.f", input.fit.f.length, input.fit.n * dim);
  }
  if (opts.net === "resnet") return await runFamily(resnetFamily(input, opts, dim), input, opts);
  return opts.net === "conv"
    ? await runFamily(convFamily(input, opts, dim), input, opts)
    : await runFamily(mlpFamily(inDim, opts.width, dim), input, opts);
}

/** The training of {@link disentangle} with one family of nets. */
async function runFamily<N>(
  family: Family<N>,
  input: DisentangleInput,
  opts: DisentangleOptions,
): Promise<DisentangleResult> {
  const { n, inDim, dim } = input;
  const fit = input.fit ?? { x: input.x, f: input.f, n };
  const scale = fitScale(fit.f, fit.n, dim);
  const z = standardize(fit.f, scale);
  const rng = createRng(opts.seed, "disentangle");
  const phiTrain: Float32Array[] = [];
  const phiTest: Float32Array[] = [];
  const loss: number[] = [];
  await runOrders(family, rng, async (cur, l) => {
    fitBatches(
      family.variables(cur),
      [{ data: fit.x, cols: inDim }, { data: z, cols: dim }],
      fit.n,
      family.objective(cur),
      { ...orderBudget(opts, l), rng },
    );
    const fwd = (xb: tf.Tensor2D) => family.forward(cur, xb);
    const rows = (x: Float32Array, m: number) => mapRows(x, m, inDim, dim, fwd, family.chunk);
    const phi = unstandardize(await rows(input.x, n), scale, true);
    phiTrain.push(phi);
    loss.push(meanSquaredError(phi, input.f));
    if (input.xTest && input.nTest) {
      phiTest.push(unstandardize(await rows(input.xTest, input.nTest), scale, true));
    }
    opts.onOrder?.(l, loss[l - 1]);
  }, opts.orders);
  return { orders: opts.orders, dim, phiTrain, phiTest, loss };
}

/** How one family of disentanglers is built, grown, trained and run. */
interface Family<N> {
  create(rng: Rng): N;
  grow(prev: N, rng: Rng): N;
  variables(net: N): tf.Variable[];
  objective(net: N): Parameters<typeof fitBatches>[3];
  forward(net: N, x: tf.Tensor2D): tf.Tensor2D;
  dispose(net: N): void;
  /** Rows per forward chunk when evaluating. */
  chunk: number;
}

function mlpFamily(inDim: number, width: number, dim: number): Family<DisentanglerNet> {
  return {
    create: (rng) => createNet(inDim, width, dim, 1, rng),
    grow: growNet,
    variables: netVariables,
    objective: (net) => ({ gradients: ([xb, zb]) => netGradients(net, xb, zb) }),
    forward: forwardNet,
    dispose: disposeNet,
    chunk: 8192,
  };
}

/** The image shape of `input` for the `net` family; a LensError when the input is no image. */
function imageOf(input: DisentangleInput, net: string): [number, number, number] {
  const image = input.imageShape ? imageShapeOf(input.imageShape) : undefined;
  if (!image || image[0] * image[1] * image[2] !== input.inDim) {
    throw new LensError(
      `the ${net} disentangler needs image inputs of ${input.inDim} values, got shape ` +
        `[${input.imageShape ?? []}]`,
      { code: "plugin", field: "net", expected: "an input shape [H, W, C], or net: mlp" },
    );
  }
  return image;
}

function convFamily(
  input: DisentangleInput,
  opts: DisentangleOptions,
  dim: number,
): Family<ConvDisentanglerNet> {
  const image = imageOf(input, "conv");
  const channels = opts.channels ?? 16;
  // ~ 4 maps of rows x H x W x channels floats alive at once: chunk to ~64 MB each.
  const chunk = Math.max(16, Math.floor((1 << 24) / (image[0] * image[1] * channels)));
  return {
    create: (rng) => createConvNet(image, channels, dim, 1, rng),
    grow: growConvNet,
    variables: convNetVariables,
    objective: (net) => ([xb, zb]) =>
      tf.losses.meanSquaredError(zb, forwardConvNet(net, xb)) as tf.Scalar,
    forward: forwardConvNet,
    dispose: disposeConvNet,
    chunk,
  };
}

function resnetFamily(
  input: DisentangleInput,
  opts: DisentangleOptions,
  dim: number,
): Family<ResnetDisentanglerNet> {
  const image = imageOf(input, "resnet");
  const width = opts.channels ?? 16;
  const featureChannels = featureChannelsOf(image, input.featureShape, dim);
  return {
    create: (rng) => createResnetNet(image, width, dim, featureChannels, rng),
    grow: growResnetNet,
    variables: resnetNetVariables,
    objective: (net) => ([xb, zb]) =>
      tf.losses.meanSquaredError(zb, forwardResnetNet(net, xb)) as tf.Scalar,
    forward: forwardResnetNet,
    dispose: disposeResnetNet,
    // A few maps of rows x H x W x 4 width floats at once: chunk to ~64 MB each.
    chunk: Math.max(8, Math.floor((1 << 24) / (image[0] * image[1] * width * 4))),
  };
}

/**
 * Orders 1..`orders` of `family`: creates order 1, then grows each order
 * from the last (freeing it); `train(net, l)` trains and reads out order
 * l. The last net is freed on return or on error.
 */
async function runOrders<N>(
  family: Family<N>,
  rng: Rng,
  train: (net: N, order: number) => Promise<void>,
  orders: number,
): Promise<void> {
  let net: N | undefined;
  try {
    for (let l = 1; l <= orders; l++) {
      const next: N = net === undefined ? family.create(rng) : family.grow(net, rng);
      if (net !== undefined) family.dispose(net);
      net = next;
      await train(net, l);
    }
  } finally {
    if (net !== undefined) family.dispose(net);
  }
}
