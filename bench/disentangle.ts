/**
 * Speed of the disentangler training (plugins/complexity
 * disentangle_kernel.ts, tfjs) side by side with the same training in
 * PyTorch on the CPU (bench/peer_disentangle.py): L orders warm-started one
 * from the next, same sizes, epochs, batch size, data and initial weights.
 * Goal: within 1.5x of PyTorch's wall time.
 *
 *   deno run -A bench/disentangle.ts [--samples 2000] [--orders 6] [--width 128]
 *     [--epochs 10] [--batch 128] [--repeats 1] [--backend wasm|cpu] [--no-peer]
 *     [--peer-threads N]   (torch threads; 0: torch's default, 1 on the 2-core dev box)
 *
 * Data: `samples` MNIST training images (x, 784 values) and the feature f at
 * dense_2 (64 units) of a 784-256-64-10 ReLU MLP with seeded random weights.
 * Prints one JSON line with both wall times (best of `repeats`), their
 * ratio, and the final distillation loss per order of both.
 *
 * @module
 */
import { parseArgs } from "node:util";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { setWasmPaths } from "../deps/tensorflow_tfjs_backend_wasm.ts";
import "../deps/tensorflow_tfjs_backend_cpu.ts";
import { loadMnist } from "../core/data/mnist.ts";
import { initDense } from "../core/model/init.ts";
import { createRng } from "../core/rng.ts";
import { createDenseHandle } from "../plugins/complexity/dense_handle.ts";
import { createNet, disposeNet } from "../plugins/complexity/disentangler_net.ts";
import { disentangle } from "../plugins/complexity/disentangle_kernel.ts";
import { captureLayer } from "../plugins/complexity/feature_capture.ts";

const { values } = parseArgs({
  options: {
    samples: { type: "string", default: "2000" },
    orders: { type: "string", default: "6" },
    width: { type: "string", default: "128" },
    epochs: { type: "string", default: "10" },
    batch: { type: "string", default: "128" },
    repeats: { type: "string", default: "1" },
    backend: { type: "string", default: "wasm" },
    "no-peer": { type: "boolean", default: false },
    "peer-threads": { type: "string", default: "0" },
  },
});
const n = Number(values.samples), L = Number(values.orders), width = Number(values.width);
const epochs = Number(values.epochs), batch = Number(values.batch);

setWasmPaths(
  new URL(
    "./",
    import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/tfjs-backend-wasm.wasm"),
  )
    .href,
);
await tf.setBackend(values.backend!);

const data = loadMnist({ name: "mnist", subset: n, testSubset: 1000, probeSize: 0 }, 0);
const inDim = 784;
const model = createDenseHandle(initDense(0, [inDim, 256, 64, 10], "reference"), "relu");
const f = await captureLayer(model, "dense_2", data.xTrain, n, inDim);
const dim = f.cols;
const seed = 0;
const opts = { orders: L, width, epochs, batchSize: batch, seed };

const times: number[] = [];
let loss: number[] = [];
const warm = { x: data.xTrain.subarray(0, 64 * inDim), f: f.data.subarray(0, 64 * dim) };
await disentangle({ ...warm, n: 64, inDim, dim }, { ...opts, orders: 1, epochs: 1 }); // warm-up
for (let r = 0; r < Number(values.repeats); r++) {
  const t = performance.now();
  const res = await disentangle({ x: data.xTrain, f: f.data, n, inDim, dim }, opts);
  times.push((performance.now() - t) / 1000);
  loss = res.loss;
}

let peer: Record<string, unknown> | undefined;
if (!values["no-peer"]) {
  // The peer starts from the same order-1 weights: the first draws of the kernel's stream.
  const net = createNet(inDim, width, dim, 1, createRng(seed, "disentangle"));
  const dir = await Deno.makeTempDir();
  try {
    const write = async (name: string, a: Float32Array) =>
      await Deno.writeFile(`${dir}/${name}`, new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    await write("x.f32", data.xTrain.subarray(0, n * inDim));
    await write("f.f32", f.data);
    await write("w1.f32", Float32Array.from(await net.hidden[0].w.data()));
    await write("wh.f32", Float32Array.from(await net.head.w.data()));
    disposeNet(net);
    const script = new URL("./peer_disentangle.py", import.meta.url).pathname;
    const args = [
      script,
      "--dir",
      dir,
      "--n",
      String(n),
      "--in-dim",
      String(inDim),
      "--dim",
      String(dim),
    ];
    args.push("--orders", String(L), "--width", String(width), "--epochs", String(epochs));
    args.push("--batch", String(batch), "--repeats", values.repeats!);
    args.push("--threads", values["peer-threads"]!);
    const out = await new Deno.Command("/usr/bin/python3", {
      args,
      stdout: "piped",
      stderr: "inherit",
    })
      .output();
    peer = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
const best = Math.min(...times);
console.log(JSON.stringify({
  bench: "disentangle",
  backend: tf.getBackend(),
  samples: n,
  in_dim: inDim,
  dim,
  orders: L,
  width,
  epochs,
  batch,
  steps: L * epochs * Math.ceil(n / batch),
  train_s: times.map((t) => +t.toFixed(3)),
  best_s: +best.toFixed(3),
  loss: loss.map((v) => +v.toPrecision(4)),
  peer,
  ratio_vs_peer: peer ? +(best / (peer.best_s as number)).toFixed(3) : undefined,
}));
