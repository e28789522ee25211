/**
 * The fused MLP Trainer: seeds trained together equal seeds trained alone,
 * workers equal in-process, the Trainer contract (layers, gradients per
 * batch, capture, evaluate, model handles, errors), and worker cleanup.
 */
import assert from "node:assert/strict";
import { LensError } from "../core/errors.ts";
import { initDense } from "../core/model/init.ts";
import { createFusedMlpTrainer, type FusedMlpTuning } from "../core/train/fused/fused_mlp.ts";
import { liveWorkers } from "../core/train/fused/fused_mlp_pool.ts";
import { simdAvailable } from "../core/train/fused/fused_mlp_wasm.ts";
import type {
  ActivationCache,
  Dataset,
  ModelSpec,
  Trainer,
  TrainerOptions,
} from "../core/types.ts";
import { task12 } from "./fused_mlp_task12.ts";

const DATA = task12();
const MODEL: ModelSpec = {
  type: "mlp",
  hidden: [10, 7, 5, 4, 3],
  activation: "tanh",
  init: "reference",
};

function options(seeds: number[], over: Partial<TrainerOptions> = {}): TrainerOptions {
  return {
    model: MODEL,
    training: { epochs: 10, batchSize: 512, lr: 4e-3, optimizer: "adam", shuffle: true },
    datasets: seeds.map(() => DATA),
    seeds,
    backend: "wasm",
    ...over,
  };
}

/** Trains `epochs` epochs; returns per-epoch stats and the final captures. */
async function run(opts: TrainerOptions, tuning: FusedMlpTuning, epochs: number) {
  const t = await createFusedMlpTrainer(opts, tuning);
  try {
    const stats = [];
    for (let e = 0; e < epochs; e++) stats.push(await t.trainEpoch(e));
    const caches = await t.capture(DATA.probe.x, DATA.probe.n);
    return { stats, caches };
  } finally {
    t.dispose();
  }
}

function sameCache(a: ActivationCache, b: ActivationCache, what: string) {
  assert.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, act] of a) {
    assert.deepEqual(act.data, b.get(name)!.data, `${what}: ${name}`);
  }
}

Deno.test("layers, kind and backend", async () => {
  const t = await createFusedMlpTrainer(options([0]));
  try {
    assert.equal(t.kind, "fused-mlp");
    assert.equal(t.backend, simdAvailable() ? "wasm-simd" : "js");
    assert.deepEqual(t.seeds, [0]);
    assert.deepEqual(
      t.layers.map((l) => [l.name, l.kind, l.units, l.activation, l.hasWeights]),
      [
        ["dense_1", "dense", 10, "tanh", true],
        ["dense_2", "dense", 7, "tanh", true],
        ["dense_3", "dense", 5, "tanh", true],
        ["dense_4", "dense", 4, "tanh", true],
        ["dense_5", "dense", 3, "tanh", true],
        ["output", "output", 2, "softmax", true],
      ],
    );
  } finally {
    t.dispose();
  }
});

Deno.test("starts from initDense: epoch-0 activations equal a float64 forward pass", async () => {
  const t = await createFusedMlpTrainer(options([3]));
  try {
    const [cache] = await t.capture(DATA.probe.x, 64);
    const sizes = [12, 10, 7, 5, 4, 3, 2];
    const p = initDense(3, sizes, "reference");
    let worst = 0;
    for (let r = 0; r < 64; r++) {
      let a = Array.from(DATA.probe.x.subarray(r * 12, r * 12 + 12));
      for (let k = 0; k < 6; k++) {
        const z = Array.from(
          { length: sizes[k + 1] },
          (_, j) => a.reduce((s, ai, i) => s + ai * p.w[k][i * sizes[k + 1] + j], p.b[k][j]),
        );
        if (k < 5) a = z.map(Math.tanh);
        else {
          const m = Math.max(...z);
          const e = z.map((v) => Math.exp(v - m));
          a = e.map((v) => v / (e[0] + e[1]));
        }
        const got = cache.get(t.layers[k].name)!;
        for (let j = 0; j < a.length; j++) {
          worst = Math.max(worst, Math.abs(got.data[r * got.cols + j] - a[j]));
        }
      }
    }
    assert.ok(worst < 1e-6, `max |activation - float64| = ${worst}`);
  } finally {
    t.dispose();
  }
});

Deno.test("seeds [0, 1, 2] trained together equal each seed alone, in-process and in workers", async () => {
  const together = await run(options([0, 1, 2]), { workers: 0 }, 6);
  const inWorkers = await run(options([0, 1, 2]), { workers: 2 }, 6);
  for (let e = 0; e < 6; e++) {
    assert.deepEqual(inWorkers.stats[e], together.stats[e], `workers vs in-process, epoch ${e}`);
  }
  for (let i = 0; i < 3; i++) {
    sameCache(inWorkers.caches[i], together.caches[i], `workers seed ${i}`);
  }
  for (const seed of [0, 1, 2]) {
    const alone = await run(options([seed]), {}, 6);
    for (let e = 0; e < 6; e++) {
      assert.equal(alone.stats[e].loss[0], together.stats[e].loss[seed]);
      assert.equal(alone.stats[e].accuracy[0], together.stats[e].accuracy[seed]);
    }
    sameCache(alone.caches[0], together.caches[seed], `seed ${seed} alone`);
  }
  // the seeds differ from one another (the comparison above is not vacuous)
  assert.notEqual(together.stats[5].loss[0], together.stats[5].loss[1]);
});

Deno.test("each seed may have its own data set", async () => {
  const small: Dataset = {
    ...DATA,
    name: "tishby12-head",
    xTrain: DATA.xTrain.slice(0, 1500 * 12),
    yTrain: DATA.yTrain.slice(0, 1500),
    nTrain: 1500,
  };
  const mixed = options([5, 6], { datasets: [DATA, small] });
  const both = await run(mixed, { workers: 0 }, 3);
  const bothW = await run(mixed, { workers: 2 }, 3);
  const a = await run(options([5]), {}, 3);
  const b = await run(options([6], { datasets: [small] }), {}, 3);
  for (let e = 0; e < 3; e++) {
    assert.equal(both.stats[e].loss[0], a.stats[e].loss[0]);
    assert.equal(both.stats[e].loss[1], b.stats[e].loss[0]);
    assert.deepEqual(bothW.stats[e], both.stats[e]);
  }
});

Deno.test("onBatch: one callback per seed and batch with each layer's weight gradient", async () => {
  const unshuffled = { ...options([]).training, shuffle: false };
  for (const workers of [0, 2]) {
    const t = await createFusedMlpTrainer(options([0, 1], { training: unshuffled }), { workers });
    const plain = await createFusedMlpTrainer(options([0, 1], { training: unshuffled }), {
      workers: 0,
    });
    try {
      const seen: [number, number, number, Map<string, Float32Array>][] = [];
      const s1 = await t.trainEpoch(0, (s, b, loss, grads) => {
        seen.push([s, b, loss, grads]);
      });
      const s0 = await plain.trainEpoch(0);
      // asking for gradients does not change training
      assert.deepEqual(s1, s0);
      assert.deepEqual(seen.map(([s, b]) => [s, b]), [
        ...[0, 1, 2, 3, 4, 5, 6].map((b) => [0, b]),
        ...[0, 1, 2, 3, 4, 5, 6].map((b) => [1, b]),
      ]);
      for (const [s, , loss, grads] of seen) {
        assert.deepEqual([...grads.keys()], t.layers.map((l) => l.name));
        assert.deepEqual(
          [...grads.values()].map((g) => g.length),
          [120, 70, 35, 20, 12, 6],
        );
        assert.ok(loss > 0.5 && loss < 1, `batch loss ${loss}`);
        assert.ok([...grads.values()].every((g) => g.some((v) => v !== 0)), `seed ${s}`);
      }
      // the epoch loss is the sample-weighted mean of the batch losses
      for (const s of [0, 1]) {
        const mine = seen.filter(([q]) => q === s);
        const total = mine.reduce((acc, [, b, l]) => acc + l * (b < 6 ? 512 : 3277 - 6 * 512), 0);
        assert.ok(Math.abs(total / 3277 - s1.loss[s]) < 1e-12);
      }
      // first-batch output-layer gradient by hand from a fresh trainer's activations:
      // sum over the batch of a_5 (p - onehot) / 512
      const fresh = await createFusedMlpTrainer(options([0], { training: unshuffled }), {
        workers: 0,
      });
      const [c0] = await fresh.capture(DATA.xTrain, 512);
      fresh.dispose();
      const a5 = c0.get("dense_5")!, out = c0.get("output")!;
      const g = new Float64Array(6);
      for (let r = 0; r < 512; r++) {
        for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 2; j++) {
            const d = out.data[r * 2 + j] - (DATA.yTrain[r] === j ? 1 : 0);
            g[i * 2 + j] += (a5.data[r * 3 + i] * d) / 512;
          }
        }
      }
      const got = seen[0][3].get("output")!;
      for (let i = 0; i < 6; i++) assert.ok(Math.abs(got[i] - g[i]) < 1e-6, `output grad ${i}`);
    } finally {
      t.dispose();
      plain.dispose();
    }
  }
});

Deno.test("model handle: capture, forwardFrom above a hook point, errors", async () => {
  const t = await createFusedMlpTrainer(options([0, 1]), { workers: 2 });
  try {
    for (let e = 0; e < 5; e++) await t.trainEpoch(e);
    const caches = await t.capture(DATA.probe.x, DATA.probe.n);
    const h = t.model(1);
    assert.equal(h.seed, 1);
    sameCache(await h.capture(DATA.probe.x, DATA.probe.n), caches[1], "handle capture");
    for (const layer of ["dense_1", "dense_3", "dense_5", "output"]) {
      const out = await h.forwardFrom(layer, caches[1].get(layer)!);
      assert.equal(out.rows, 4096);
      assert.equal(out.cols, 2);
      const want = caches[1].get("output")!.data;
      let worst = 0;
      for (let i = 0; i < want.length; i++) {
        worst = Math.max(worst, Math.abs(out.data[i] - want[i]));
      }
      assert.ok(worst < 1e-6, `${layer}: ${worst}`);
    }
    await assert.rejects(
      () => h.forwardFrom("dense_9", caches[1].get("dense_1")!),
      (e) => e instanceof LensError && /dense_9/.test(e.message),
    );
    await assert.rejects(
      () => h.forwardFrom("dense_2", caches[1].get("dense_1")!),
      (e) => e instanceof LensError && /features/.test(e.message),
    );
  } finally {
    t.dispose();
  }
});

Deno.test("evaluate: loss and accuracy of the softmax output on a labelled set", async () => {
  const t = await createFusedMlpTrainer(options([0, 1]), { workers: 0 });
  try {
    for (let e = 0; e < 8; e++) await t.trainEpoch(e);
    const ev = await t.evaluate(DATA.xTest, DATA.yTest, DATA.nTest);
    const caches = await t.capture(DATA.xTest, DATA.nTest);
    for (const s of [0, 1]) {
      const p = caches[s].get("output")!.data;
      let loss = 0, hits = 0;
      for (let r = 0; r < DATA.nTest; r++) {
        const y = DATA.yTest[r];
        loss -= Math.log(p[r * 2 + y]);
        if ((p[r * 2 + 1] > p[r * 2] ? 1 : 0) === y) hits++;
      }
      assert.ok(Math.abs(ev.loss[s] - loss / DATA.nTest) < 1e-5, `loss ${ev.loss[s]}`);
      assert.equal(ev.accuracy[s], hits / DATA.nTest);
    }
  } finally {
    t.dispose();
  }
});

Deno.test({
  name: "pure-TS kernel and SIMD kernel train the 12-bit net alike",
  ignore: !simdAvailable(),
  async fn() {
    const js = await run(options([2]), { kernel: "js" }, 5);
    const wasm = await run(options([2]), { kernel: "wasm-simd" }, 5);
    for (let e = 0; e < 5; e++) {
      assert.ok(Math.abs(js.stats[e].loss[0] - wasm.stats[e].loss[0]) < 1e-5);
    }
    const a = js.caches[0].get("output")!.data, b = wasm.caches[0].get("output")!.data;
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    assert.ok(worst < 1e-4, `output ${worst}`);
  },
});

Deno.test("unsupported models and options throw LensError naming the field", async () => {
  await assert.rejects(
    () => createFusedMlpTrainer(options([0], { model: { ...MODEL, activation: "selu" } })),
    (e) =>
      e instanceof LensError && e.field === "model.activation" && /"selu"/.test(e.message) &&
      /tanh, relu, sigmoid/.test(e.message),
  );
  await assert.rejects(
    () =>
      createFusedMlpTrainer(
        options([0], {
          model: { type: "cnn", conv: [], dense: [4], activation: "relu", init: "reference" },
        }),
      ),
    (e) => e instanceof LensError && e.field === "model.type",
  );
  await assert.rejects(
    () => createFusedMlpTrainer(options([0, 1], { datasets: [DATA] })),
    (e) => e instanceof LensError && e.field === "datasets",
  );
  await assert.rejects(
    () =>
      createFusedMlpTrainer(options([0], { training: { ...options([]).training, batchSize: 0 } })),
    (e) => e instanceof LensError && e.field === "training.batchSize",
  );
});

Deno.test("dispose terminates the workers; the trainer refuses further use", async () => {
  const before = liveWorkers();
  const t: Trainer = await createFusedMlpTrainer(options([0, 1, 2]), { workers: 2 });
  assert.equal(liveWorkers(), before + 2);
  await t.trainEpoch(0);
  t.dispose();
  t.dispose(); // idempotent
  assert.equal(liveWorkers(), before);
  await assert.rejects(() => t.trainEpoch(1), /after dispose/);
});

Deno.test("a script that trains in workers and disposes exits by itself", async () => {
  // live workers keep a Deno process running, so a leak shows as a hang here
  const trainer = new URL("../core/train/fused/fused_mlp.ts", import.meta.url).href;
  const task = new URL("./fused_mlp_task12.ts", import.meta.url).href;
  const code = `
    import { createFusedMlpTrainer } from "${trainer}";
    import { task12 } from "${task}";
    const d = task12();
    const t = await createFusedMlpTrainer({
      model: { type: "mlp", hidden: [4], activation: "relu", init: "reference" },
      training: { epochs: 2, batchSize: 512, lr: 1e-3, optimizer: "adam", shuffle: false },
      datasets: [d, d, d], seeds: [0, 1, 2], backend: "wasm",
    }, { workers: 2 });
    await t.trainEpoch(0);
    t.dispose();
    console.log("trained");`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const out = await child.output();
  clearTimeout(timer);
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, /trained/);
});
