/**
 * The fused MLP {@link Trainer}: many seeds of one dense network trained
 * together on typed arrays (the WebAssembly SIMD kernel, or the pure-TS
 * kernel where SIMD is missing), split across Web Workers.
 *
 * Semantics match the tfjs trainer and PyTorch: initial weights are
 * `initDense(seed, sizes, model.init)`; batches are contiguous in data order
 * (the last one partial) or, with `training.shuffle`, in the order of
 * `permutation(createRng(seed, "batch:" + epoch), nTrain)`; the loss is the
 * batch-mean cross-entropy of a softmax head; Adam uses PyTorch's defaults
 * (beta1 0.9, beta2 0.999, eps 1e-8, bias correction) and step order.
 * `opts.initialParams` replaces the seeded initialisation (a stored network
 * rebuilt); `model(i).params()` reads a seed's current weights back.
 *
 * @module
 */
import { hookName, OUTPUT_HOOK } from "../../model/hook_names.ts";
import { checkTrainerOptions, failOption } from "../check_options.ts";
import { LensError } from "../../errors.ts";
import { initDense } from "../../model/init.ts";
import type {
  Activation,
  ActivationCache,
  BatchCallback,
  Dataset,
  EpochStats,
  LayerInfo,
  LayerParams,
  ModelHandle,
  Trainer,
  TrainerOptions,
} from "../../types.ts";
import { type BankInit, type BankStats, type BatchReport, createBank } from "./fused_mlp_bank.ts";
import type { KernelBackend } from "./fused_mlp_kernel.ts";
import {
  gradOffsets,
  type NetShape,
  netShape,
  packParams,
  unitOffsets,
  unpackParams,
} from "./fused_mlp_net.ts";
import { createWorkerPool, type WorkerPool } from "./fused_mlp_pool.ts";
import { simdAvailable } from "./fused_mlp_wasm.ts";

/** Knobs for tests and benchmarks; the defaults suit normal runs. */
export interface FusedMlpTuning {
  /**
   * Workers to split the seeds over; 0 trains in-process. Default: none for
   * one seed, else `navigator.hardwareConcurrency` capped at the seed count.
   */
  workers?: number;
  /** Kernel: `wasm-simd` where WebAssembly SIMD is available (default), else `js`. */
  kernel?: KernelBackend;
}

/** One bank of seeds, in-process or in a worker. */
interface Group {
  /** Global seed indices held, in bank order. */
  members: number[];
  train(epoch: number, grads: boolean): Promise<BankStats & { batches?: BatchReport }>;
  capture(x: Float32Array, n: number, seeds: number[]): Promise<Float32Array[]>;
  evaluate(x: Float32Array, y: Int32Array, n: number): Promise<BankStats>;
  forwardFrom(seed: number, layer: number, f: Float32Array, rows: number): Promise<Float32Array>;
  /** The parameter block of local seed `seed` (a fresh copy). */
  params(seed: number): Promise<Float32Array>;
}

/** Checks the options; returns the layer sizes. */
function validate(opts: TrainerOptions): number[] {
  const { model, datasets } = opts;
  if (model.type !== "mlp") {
    failOption(`the fused MLP trainer trains MLPs only, not "${model.type}"`, "model.type", "mlp");
  }
  checkTrainerOptions(opts);
  const first = datasets[0];
  const inputs = (d: Dataset) => d.inputShape.reduce((a, b) => a * b, 1);
  for (const d of datasets) {
    if (inputs(d) !== inputs(first) || d.numClasses !== first.numClasses) {
      failOption(
        `seeds' data sets differ in shape (${d.inputShape} / ${d.numClasses} classes)`,
        "datasets",
        "one input shape and class count for all seeds",
      );
    }
    if (d.nTrain < 1) failOption(`data set ${d.name} has no training rows`, "data", "nTrain >= 1");
  }
  return [inputs(first), ...model.hidden, first.numClasses];
}

/** Hook points of an MLP: `dense_1`.. for hidden layers, `output` for the softmax. */
export function mlpLayers(net: NetShape): LayerInfo[] {
  const out: LayerInfo[] = [];
  for (let k = 1; k <= net.L; k++) {
    const last = k === net.L;
    out.push({
      name: last ? OUTPUT_HOOK : hookName("dense", k),
      kind: last ? "output" : "dense",
      units: net.sizes[k],
      activation: last ? "softmax" : net.activation,
      hasWeights: true,
    });
  }
  return out;
}

/**
 * Per-layer weights and biases of an MLP from given hook-point parameters
 * (`dense_1 .. output`, kernels `[in, out]`); throws unless they fit `net`.
 */
function denseFromLayers(
  net: NetShape,
  given: LayerParams[],
): { w: Float32Array[]; b: Float32Array[] } {
  const names = mlpLayers(net).map((l) => l.name);
  const expected = names.map((n, k) => `${n} [${net.sizes[k]}, ${net.sizes[k + 1]}]`).join(", ");
  if (given.length !== net.L) {
    failOption(
      `${given.length} parameter layers for ${net.L} weight layers`,
      "initialParams",
      expected,
    );
  }
  given.forEach((p, k) => {
    const nin = net.sizes[k], nout = net.sizes[k + 1];
    if (
      p.name !== names[k] || p.kernelShape.join(",") !== `${nin},${nout}` ||
      p.kernel.length !== nin * nout || p.bias.length !== nout
    ) {
      failOption(
        `parameters ${k} are ${p.name} [${p.kernelShape.join(", ")}]`,
        "initialParams",
        expected,
      );
    }
  });
  return { w: given.map((p) => p.kernel), b: given.map((p) => p.bias) };
}

/** Splits `n` seeds into `parts` contiguous groups of near-equal size. */
function split(n: number, parts: number): number[][] {
  const out: number[][] = [];
  let start = 0;
  for (let g = 0; g < parts; g++) {
    const size = Math.floor(n / parts) + (g < n % parts ? 1 : 0);
    out.push(Array.from({ length: size }, (_, i) => start + i));
    start += size;
  }
  return out.filter((g) => g.length > 0);
}

function bankInit(
  opts: TrainerOptions,
  sizes: number[],
  net: NetShape,
  members: number[],
  kernel: KernelBackend,
): BankInit {
  const distinct: Dataset[] = [];
  const dataOf = members.map((i) => {
    const d = opts.datasets[i];
    let j = distinct.indexOf(d);
    if (j < 0) j = distinct.push(d) - 1;
    return j;
  });
  const init = opts.model.type === "mlp" ? opts.model.init : "reference";
  return {
    sizes,
    activation: net.activation,
    batchSize: opts.training.batchSize,
    lr: opts.training.lr,
    optimizer: opts.training.optimizer,
    shuffle: opts.training.shuffle,
    seeds: members.map((i) => opts.seeds[i]),
    data: distinct.map((d) => ({ x: d.xTrain, y: d.yTrain, n: d.nTrain })),
    dataOf,
    params: members.map((i) => {
      const given = opts.initialParams?.[i];
      return packParams(
        net,
        given ? denseFromLayers(net, given) : initDense(opts.seeds[i], sizes, init),
      );
    }),
    kernel,
  };
}

function localGroup(init: BankInit, members: number[]): Group {
  const bank = createBank(init);
  return {
    members,
    train: (epoch, grads) => Promise.resolve(bank.trainEpoch(epoch, grads)),
    capture: (x, n, seeds) => Promise.resolve(bank.capture(x, n, seeds)),
    evaluate: (x, y, n) => Promise.resolve(bank.evaluate(x, y, n)),
    forwardFrom: (s, k, f, rows) => Promise.resolve(bank.forwardFrom(s, k, f, rows)),
    params: (s) => Promise.resolve(bank.params(s)),
  };
}

function workerGroup(pool: WorkerPool, w: number, members: number[]): Group {
  return {
    members,
    train: (epoch, grads) => pool.call(w, { op: "train", epoch, grads }),
    capture: (x, n, seeds) => pool.call(w, { op: "capture", x, n, seeds }),
    evaluate: (x, y, n) => pool.call(w, { op: "evaluate", x, y, n }),
    forwardFrom: (seed, layer, features, rows) =>
      pool.call(w, { op: "forwardFrom", seed, layer, features, rows }),
    params: (seed) => pool.call(w, { op: "params", seed }),
  };
}

/**
 * Builds the fused MLP trainer for `opts` (ModelSpec type `mlp`).
 *
 * @example
 * ```ts
 * const trainer = await createFusedMlpTrainer({
 *   model: { type: "mlp", hidden: [10, 7, 5, 4, 3], activation: "tanh", init: "reference" },
 *   training: { epochs: 8000, batchSize: 512, lr: 4e-4, optimizer: "adam", shuffle: false },
 *   datasets: [data, data, data], seeds: [0, 1, 2], backend: "wasm",
 * });
 * const stats = await trainer.trainEpoch(0);
 * const caches = await trainer.capture(data.probe.x, data.probe.n);
 * trainer.dispose();
 * ```
 */
export async function createFusedMlpTrainer(
  opts: TrainerOptions,
  tuning: FusedMlpTuning = {},
): Promise<Trainer> {
  const sizes = validate(opts);
  const activation = opts.model.type === "mlp" ? opts.model.activation : "";
  const net = netShape(sizes, activation);
  const layers = mlpLayers(net);
  const S = opts.seeds.length;
  const kernel: KernelBackend = tuning.kernel ?? (simdAvailable() ? "wasm-simd" : "js");
  if (kernel === "wasm-simd" && !simdAvailable()) {
    throw new LensError("WebAssembly SIMD is not available in this runtime", {
      code: "runtime",
      field: "kernel",
      expected: "kernel js",
    });
  }
  const cores = typeof navigator !== "undefined" ? navigator.hardwareConcurrency || 1 : 1;
  const nWorkers = Math.min(tuning.workers ?? (S === 1 ? 0 : cores), S);

  let pool: WorkerPool | undefined;
  let groups: Group[];
  if (nWorkers <= 0) {
    const members = opts.seeds.map((_, i) => i);
    groups = [localGroup(bankInit(opts, sizes, net, members, kernel), members)];
  } else {
    const parts = split(S, nWorkers);
    const p = createWorkerPool(parts.length);
    pool = p;
    groups = parts.map((members, w) => workerGroup(p, w, members));
    try {
      await Promise.all(
        parts.map((members, w) =>
          p.call(w, { op: "init", init: bankInit(opts, sizes, net, members, kernel) })
        ),
      );
    } catch (e) {
      p.terminate();
      throw e;
    }
  }
  // where each global seed index lives
  const home: { group: Group; local: number }[] = [];
  for (const g of groups) g.members.forEach((i, local) => (home[i] = { group: g, local }));
  const gOff = gradOffsets(net);
  const uOff = unitOffsets(net);
  let disposed = false;
  const alive = () => {
    if (disposed) throw new Error("fused MLP trainer used after dispose");
  };

  const toCache = (block: Float32Array, n: number): ActivationCache => {
    const cache: ActivationCache = new Map();
    layers.forEach((l, i) => {
      const k = i + 1;
      const data = block.subarray(n * uOff[k], n * (uOff[k] + l.units));
      cache.set(l.name, { data, rows: n, cols: l.units });
    });
    return cache;
  };

  const merge = (parts: BankStats[]): EpochStats => {
    const loss = new Array<number>(S), accuracy = new Array<number>(S);
    parts.forEach((r, gi) =>
      groups[gi].members.forEach((i, local) => {
        loss[i] = r.loss[local];
        accuracy[i] = r.accuracy[local];
      })
    );
    return { loss, accuracy };
  };

  const capture = async (x: Float32Array, n: number): Promise<ActivationCache[]> => {
    alive();
    checkInputs(x, n, sizes[0], "x");
    const parts = await Promise.all(
      groups.map((g) => g.capture(x, n, g.members.map((_, l) => l))),
    );
    const out = new Array<ActivationCache>(S);
    parts.forEach((blocks, gi) =>
      groups[gi].members.forEach((i, l) => (out[i] = toCache(blocks[l], n)))
    );
    return out;
  };

  const handle = (seedIndex: number): ModelHandle => {
    const { group, local } = home[seedIndex];
    return {
      seed: opts.seeds[seedIndex],
      layers,
      async capture(x, n) {
        alive();
        checkInputs(x, n, sizes[0], "x");
        const [block] = await group.capture(x, n, [local]);
        return toCache(block, n);
      },
      async forwardFrom(layer: string, features: Activation): Promise<Activation> {
        alive();
        const k = layers.findIndex((l) => l.name === layer) + 1;
        if (k === 0) {
          throw new LensError(`no hook point "${layer}"`, {
            code: "plugin",
            field: "layer",
            expected: `one of ${layers.map((l) => l.name).join(", ")}`,
          });
        }
        if (features.cols !== sizes[k] || features.data.length < features.rows * features.cols) {
          throw new LensError(
            `features for "${layer}" are ${features.rows} x ${features.cols}`,
            { code: "plugin", field: "features", expected: `rows x ${sizes[k]} values` },
          );
        }
        const data = await group.forwardFrom(local, k, features.data, features.rows);
        return { data, rows: features.rows, cols: sizes[net.L] };
      },
      async params(): Promise<LayerParams[]> {
        alive();
        const { w, b } = unpackParams(net, await group.params(local));
        return layers.map((l, k) => ({
          name: l.name,
          kernelShape: [sizes[k], sizes[k + 1]],
          kernel: w[k],
          bias: b[k],
        }));
      },
    };
  };

  return {
    kind: "fused-mlp",
    backend: kernel,
    seeds: [...opts.seeds],
    layers,
    capture,
    async trainEpoch(epoch: number, onBatch?: BatchCallback): Promise<EpochStats> {
      alive();
      const parts = await Promise.all(groups.map((g) => g.train(epoch, onBatch !== undefined)));
      if (onBatch) {
        for (let gi = 0; gi < groups.length; gi++) {
          const rep = parts[gi].batches!;
          for (let local = 0; local < groups[gi].members.length; local++) {
            for (let b = 0; b < rep.counts[local]; b++) {
              const at = (local * rep.maxBatches + b) * net.nWeights;
              const grads = new Map<string, Float32Array>();
              layers.forEach((l, k) => {
                const n = sizes[k] * sizes[k + 1];
                grads.set(l.name, rep.grads.subarray(at + gOff[k], at + gOff[k] + n));
              });
              const loss = rep.loss[local * rep.maxBatches + b];
              await onBatch(groups[gi].members[local], b, loss, grads);
            }
          }
        }
      }
      return merge(parts);
    },
    async evaluate(x: Float32Array, y: Int32Array, n: number): Promise<EpochStats> {
      alive();
      checkInputs(x, n, sizes[0], "x");
      if (y.length < n) failOption(`${y.length} labels for ${n} rows`, "y", `${n} labels`);
      return merge(await Promise.all(groups.map((g) => g.evaluate(x, y, n))));
    },
    model(seedIndex: number): ModelHandle {
      alive();
      if (!home[seedIndex]) {
        failOption(`seed index ${seedIndex} out of range`, "seedIndex", `0..${S - 1}`);
      }
      return handle(seedIndex);
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      pool?.terminate();
    },
  };
}

function checkInputs(x: Float32Array, n: number, cols: number, field: string): void {
  if (!Number.isInteger(n) || n < 0 || x.length < n * cols) {
    failOption(`${x.length} values for ${n} rows of ${cols}`, field, `${n * cols} values`);
  }
}
