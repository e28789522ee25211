/**
 * A bank of seeds trained together on one thread: the epoch loop (batches,
 * shuffling, optimiser steps), activation capture, evaluation and partial
 * forward passes, over either kernel. The trainer runs one bank in-process
 * or one per worker.
 *
 * @module
 */
import { createRng, permutation } from "../../rng.ts";
import { createJsKernel, type KernelBackend, type MlpKernel } from "./fused_mlp_kernel.ts";
import { type NetShape, netShape, unitOffsets } from "./fused_mlp_net.ts";
import { createWasmKernel } from "./fused_mlp_wasm.ts";
import { ADAM_DEFAULTS } from "../adam.ts";

const ADAM = ADAM_DEFAULTS;

/** A training set as the bank needs it. */
export interface BankData {
  x: Float32Array;
  y: Int32Array;
  n: number;
}

/** Everything a bank is built from (structured-clonable, sent to workers). */
export interface BankInit {
  sizes: number[];
  activation: string;
  batchSize: number;
  lr: number;
  optimizer: "adam" | "sgd";
  shuffle: boolean;
  /** Seeds held, in order (they name the shuffling streams). */
  seeds: number[];
  /** Distinct training sets. */
  data: BankData[];
  /** Index into `data` of each seed. */
  dataOf: number[];
  /** Initial parameter block of each seed (see `packParams`). */
  params: Float32Array[];
  kernel: KernelBackend;
}

/** Per-batch losses and weight gradients of one epoch, all seeds of a bank. */
export interface BatchReport {
  /** Batches per seed this epoch. */
  counts: number[];
  /** Batches per seed the arrays are laid out for. */
  maxBatches: number;
  /** Mean loss of batch b of seed s at `s * maxBatches + b`. */
  loss: Float64Array;
  /** Weight gradients of batch b of seed s at `(s * maxBatches + b) * nWeights`. */
  grads: Float32Array;
}

/** Loss and accuracy per seed of a bank. */
export interface BankStats {
  loss: Float64Array;
  accuracy: Float64Array;
}

/** What a bank does; every result is a fresh array the caller may keep or transfer. */
export interface Bank {
  readonly net: NetShape;
  readonly backend: KernelBackend;
  /** One pass over each seed's training set; batch reports only when `wantGrads`. */
  trainEpoch(epoch: number, wantGrads: boolean): BankStats & { batches?: BatchReport };
  /** Activations of every hook point for the listed seeds: per seed [n * nUnits], layer blocks. */
  capture(x: Float32Array, n: number, seeds: number[]): Float32Array[];
  evaluate(x: Float32Array, y: Int32Array, n: number): BankStats;
  /** Softmax output [rows, classes] of seed `seed` fed `features` at hook point `layer` (1..L). */
  forwardFrom(seed: number, layer: number, features: Float32Array, rows: number): Float32Array;
  params(seed: number): Float32Array;
}

/**
 * Builds a bank.
 *
 * @example
 * ```ts
 * const bank = createBank({ sizes: [12, 10, 2], activation: "tanh", batchSize: 512, lr: 4e-4,
 *   optimizer: "adam", shuffle: false, seeds: [0], data: [{ x, y, n }], dataOf: [0],
 *   params: [packParams(net, initDense(0, [12, 10, 2], "reference"))], kernel: "wasm-simd" });
 * const { loss } = bank.trainEpoch(0, false);
 * ```
 */
export function createBank(init: BankInit): Bank {
  const net = netShape(init.sizes, init.activation);
  const S = init.seeds.length;
  const B = init.batchSize;
  const cap = Math.max(B, 256); // batch buffer; capture and evaluate run in chunks of it
  const kernel: MlpKernel = init.kernel === "wasm-simd"
    ? createWasmKernel(net, S, cap)
    : createJsKernel(net, S, cap);
  const ids = init.data.map((d) => kernel.addData(d.x, d.y, d.n));
  for (let s = 0; s < S; s++) kernel.setParams(s, init.params[s]);
  const steps = new Array<number>(S).fill(0);
  const { L, sizes, nWeights, nUnits } = net;
  const uOff = unitOffsets(net);

  const step = (s: number) => {
    if (init.optimizer === "sgd") {
      kernel.sgd(s, init.lr);
      return;
    }
    const t = ++steps[s];
    const bc1 = 1 - Math.pow(ADAM.beta1, t);
    const bc2 = 1 - Math.pow(ADAM.beta2, t);
    kernel.adam(s, ADAM.beta1, ADAM.beta2, -init.lr / bc1, Math.sqrt(bc2), ADAM.eps);
  };

  return {
    net,
    backend: kernel.backend,
    trainEpoch(epoch, wantGrads) {
      const loss = new Float64Array(S);
      const accuracy = new Float64Array(S);
      const counts = init.dataOf.map((d) => Math.ceil(init.data[d].n / B));
      const maxBatches = Math.max(...counts);
      const report: BatchReport | undefined = wantGrads
        ? {
          counts,
          maxBatches,
          loss: new Float64Array(S * maxBatches),
          grads: new Float32Array(S * maxBatches * nWeights),
        }
        : undefined;
      const sums = new Float64Array(S), hits = new Float64Array(S);
      const batch = (s: number, b: number, count: number) => {
        kernel.forward(s, count, 0);
        const l = kernel.softmaxLoss(count, true, true);
        sums[s] += l;
        hits[s] += kernel.correct();
        kernel.backward(s, count);
        if (report) {
          report.loss[s * maxBatches + b] = l / count;
          kernel.copyWeightGrads(s, report.grads, (s * maxBatches + b) * nWeights);
        }
        step(s);
      };
      if (init.shuffle) {
        // each seed its own order: one seed after another
        for (let s = 0; s < S; s++) {
          const n = init.data[init.dataOf[s]].n;
          kernel.setIndex(permutation(createRng(init.seeds[s], "batch:" + epoch), n));
          for (let b = 0; b < counts[s]; b++) {
            const count = Math.min(B, n - b * B);
            kernel.gather(ids[init.dataOf[s]], true, b * B, count, 0);
            batch(s, b, count);
          }
        }
      } else {
        // data order: seeds sharing a data set share each loaded batch
        for (let b = 0; b < maxBatches; b++) {
          let loaded = -1;
          for (let s = 0; s < S; s++) {
            if (b >= counts[s]) continue;
            const d = init.dataOf[s];
            const count = Math.min(B, init.data[d].n - b * B);
            if (loaded !== d) kernel.gather(ids[d], false, b * B, count, 0);
            loaded = d;
            batch(s, b, count);
          }
        }
      }
      for (let s = 0; s < S; s++) {
        const n = init.data[init.dataOf[s]].n;
        loss[s] = sums[s] / n;
        accuracy[s] = hits[s] / n;
      }
      return report ? { loss, accuracy, batches: report } : { loss, accuracy };
    },
    capture(x, n, which) {
      kernel.setTemp(x, null, n, sizes[0]);
      return which.map((s) => {
        const out = new Float32Array(n * nUnits);
        for (let start = 0; start < n; start += cap) {
          const count = Math.min(cap, n - start);
          kernel.gather(-1, false, start, count, 0);
          kernel.forward(s, count, 0);
          kernel.softmaxLoss(count, false, false);
          for (let k = 1; k <= L; k++) kernel.readLayer(k, count, out, n * uOff[k], start);
        }
        return out;
      });
    },
    evaluate(x, y, n) {
      kernel.setTemp(x, y, n, sizes[0]);
      const loss = new Float64Array(S);
      const accuracy = new Float64Array(S);
      for (let s = 0; s < S; s++) {
        let sum = 0, hits = 0;
        for (let start = 0; start < n; start += cap) {
          const count = Math.min(cap, n - start);
          kernel.gather(-1, false, start, count, 0);
          kernel.forward(s, count, 0);
          sum += kernel.softmaxLoss(count, true, false);
          hits += kernel.correct();
        }
        loss[s] = n > 0 ? sum / n : NaN;
        accuracy[s] = n > 0 ? hits / n : NaN;
      }
      return { loss, accuracy };
    },
    forwardFrom(s, layer, features, rows) {
      const C = sizes[L];
      if (layer === L) return Float32Array.from(features.subarray(0, rows * C));
      kernel.setTemp(features, null, rows, sizes[layer]);
      const out = new Float32Array(rows * C);
      for (let start = 0; start < rows; start += cap) {
        const count = Math.min(cap, rows - start);
        kernel.gather(-1, false, start, count, layer);
        kernel.forward(s, count, layer);
        kernel.softmaxLoss(count, false, false);
        kernel.readLayer(L, count, out, 0, start);
      }
      return out;
    },
    params: (s) => kernel.getParams(s),
  };
}
