/**
 * The `mi-binned` and `mi-kde` plugins driven through their hook handlers
 * with a fake PluginContext: the records they emit, the layer-range
 * buffering until train_end / run_end, and the errors they raise.
 */
import assert from "node:assert/strict";
import { tishby12Arrays } from "../core/data/tishby12.ts";
import { LensError } from "../core/errors.ts";
import type {
  Activation,
  ActivationCache,
  ModelHandle,
  PluginInstance,
  ResultInput,
} from "../core/types.ts";
import { miBinnedPlugin } from "../plugins/infoplane/mi_binned_plugin.ts";
import { miKdePlugin } from "../plugins/infoplane/mi_kde_plugin.ts";
import { fakeContext } from "./plugin_context.ts";

const { x: X, y: Y } = tishby12Arrays();
const N = 4096;
const H_Y = (() => {
  const p = 2118 / N;
  return -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
})();

const act = (data: Float32Array, cols: number): Activation => ({
  data,
  rows: data.length / cols,
  cols,
});

function find(records: ResultInput[], layer: string, epoch: number, seed: number, metric: string) {
  const r = records.filter((x) =>
    x.layer === layer && x.epoch === epoch && x.seed === seed && x.metric === metric
  );
  assert.equal(r.length, 1, `${layer} ${epoch} ${seed} ${metric}`);
  return r[0].value;
}

const near = (a: number, b: number, what: string, tol = 1e-12) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

Deno.test("mi-binned: T = X and a constant layer through the activations handler", async () => {
  const { ctx, records } = fakeContext();
  const inst: PluginInstance = await miBinnedPlugin.setup(ctx, {});
  const cache: ActivationCache = new Map([
    ["dense_1", act(X, 12)],
    ["output", act(new Float32Array(N * 2).fill(0.5), 2)],
  ]);
  await inst.activations!({ seed: 4, epoch: 17, cache, labels: Y, numClasses: 2 });
  assert.equal(records.length, 4);
  near(find(records, "dense_1", 17, 4, "ixt"), 12, "ixt");
  near(find(records, "dense_1", 17, 4, "ity"), H_Y, "ity");
  assert.equal(find(records, "output", 17, 4, "ixt"), 0);
  assert.equal(find(records, "output", 17, 4, "ity"), 0);
  assert.ok(records.every((r) => r.index === undefined));
  // layers option: only the named hook point; an unknown one is a config error
  const sub = fakeContext();
  const only = await miBinnedPlugin.setup(sub.ctx, { layers: ["output"] });
  await only.activations!({ seed: 0, epoch: 0, cache, labels: Y, numClasses: 2 });
  assert.deepEqual([...new Set(sub.records.map((r) => r.layer))], ["output"]);
  const unknown = await miBinnedPlugin.setup(fakeContext().ctx, { layers: ["dense_7"] });
  assert.throws(
    () => unknown.activations!({ seed: 0, epoch: 0, cache, labels: Y, numClasses: 2 }),
    (e: unknown) =>
      e instanceof LensError && e.code === "config" && /dense_1, output/.test(e.message),
  );
});

Deno.test("mi-binned: bin_size and adaptive variants on T = X", async () => {
  for (const options of [{ bin_size: 0.07 }, { range: "adaptive", bins: 2 }]) {
    const { ctx, records } = fakeContext();
    const inst = await miBinnedPlugin.setup(ctx, options);
    const cache: ActivationCache = new Map([["x", act(X, 12)]]);
    await inst.activations!({ seed: 0, epoch: 0, cache, labels: Y, numClasses: 2 });
    near(find(records, "x", 0, 0, "ixt"), 12, JSON.stringify(options));
    near(find(records, "x", 0, 0, "ity"), H_Y, JSON.stringify(options));
  }
});

const fakeModel = {} as ModelHandle;

Deno.test("mi-binned range 'layer': one grid over all epochs of a seed, emitted at train_end / run_end", async () => {
  const { ctx, records } = fakeContext();
  const inst = await miBinnedPlugin.setup(ctx, { range: "layer", bins: 3 });
  const labels = new Int32Array([0, 1, 0, 1, 0, 1]);
  // grid over both epochs: linspace(-3, 5, 3) = [-3, 1, 5]. Epoch 0 values 0, 0.5 share
  // bin 0 and 1 is bin 1: H = H(2/3, 1/3) (its own range [0, 1] would give 3 bins,
  // log2 3). Epoch 1: -3 -> bin 0, 5 -> top bin: H = 1.
  const e0 = new Float32Array([0, 0.5, 1, 0, 0.5, 1]);
  const e1 = new Float32Array([-3, 5, -3, 5, -3, 5]);
  for (const seed of [0, 1]) { // seeds interleaved, as the fused trainer sends them
    const cache: ActivationCache = new Map([["dense_1", act(e0.slice(), 1)]]);
    await inst.activations!({ seed, epoch: 0, cache, labels, numClasses: 2 });
  }
  for (const seed of [0, 1]) {
    const data = seed === 0 ? e1.slice() : e1.map((v) => v / 2);
    const cache: ActivationCache = new Map([["dense_1", act(data, 1)]]);
    await inst.activations!({ seed, epoch: 1, cache, labels, numClasses: 2 });
    data.fill(NaN); // the plugin must have kept its own copy
  }
  assert.equal(records.length, 0);
  const dataset = tishby12Dataset();
  await inst.train_end!({ seed: 0, epochs: 2, model: fakeModel, dataset });
  assert.equal(records.length, 4);
  const h23 = -(2 / 3) * Math.log2(2 / 3) - (1 / 3) * Math.log2(1 / 3);
  near(find(records, "dense_1", 0, 0, "ixt"), h23, "seed 0 epoch 0");
  near(find(records, "dense_1", 1, 0, "ixt"), 1, "seed 0 epoch 1");
  near(find(records, "dense_1", 1, 0, "ity"), 1, "seed 0 epoch 1 ity");
  // a second train_end has nothing left; run_end flushes the seed never ended (analyze mode).
  await inst.train_end!({ seed: 0, epochs: 2, model: fakeModel, dataset });
  assert.equal(records.length, 4);
  await inst.run_end!({ runId: "test" });
  assert.equal(records.length, 8);
  // seed 1: range [-1.5, 2.5], mid 0.5: epoch 0 -> {0}, {0.5, 1}: H(1/3, 2/3)
  near(find(records, "dense_1", 0, 1, "ixt"), h23, "seed 1 epoch 0");
  near(find(records, "dense_1", 1, 1, "ixt"), 1, "seed 1 epoch 1");
  await inst.run_end!({ runId: "test" });
  assert.equal(records.length, 8);
});

function tishby12Dataset() {
  return {
    name: "t",
    inputShape: [12],
    numClasses: 2,
    xTrain: X,
    yTrain: Y,
    nTrain: N,
    xTest: X,
    yTest: Y,
    nTest: 0,
    probe: { x: X, y: Y, n: N },
    info: {},
  };
}

Deno.test("NaN / infinite activations and label mismatches are LensErrors naming where", async () => {
  for (const plugin of [miBinnedPlugin, miKdePlugin]) {
    for (const options of plugin === miBinnedPlugin ? [{}, { range: "layer" }] : [{}]) {
      const inst = await plugin.setup(fakeContext().ctx, options);
      const data = new Float32Array(40).fill(0.25);
      data[13] = NaN;
      const cache: ActivationCache = new Map([
        ["dense_1", act(new Float32Array(20), 2)],
        ["dense_2", act(data, 4)],
      ]);
      const labels = new Int32Array(10);
      assert.throws(
        () => inst.activations!({ seed: 3, epoch: 12, cache, labels, numClasses: 2 }),
        (e: unknown) =>
          e instanceof LensError && e.code === "data" && e.field === "dense_2" &&
          e.message.includes(`${plugin.id}: layer dense_2 at epoch 12 of seed 3`) &&
          e.message.includes("index 13 (row 3, unit 1)"),
        `${plugin.id} ${JSON.stringify(options)}`,
      );
      data[13] = -Infinity;
      assert.throws(
        () => inst.activations!({ seed: 3, epoch: 12, cache, labels, numClasses: 2 }),
        /-Infinity at index 13/,
      );
      assert.throws(
        () =>
          inst.activations!({
            seed: 3,
            epoch: 12,
            cache,
            labels: new Int32Array(9),
            numClasses: 2,
          }),
        (e: unknown) =>
          e instanceof LensError && /10 rows but there are 9 labels/.test(e.message) &&
          /dense_1 at epoch 12 of seed 3/.test(e.message),
      );
      assert.throws(
        () =>
          inst.activations!({
            seed: 3,
            epoch: 12,
            cache,
            labels: new Int32Array(10).fill(2),
            numClasses: 2,
          }),
        /label 2 at index 0/,
      );
    }
  }
});

Deno.test("bad options are config LensErrors", async () => {
  for (
    const options of [
      { bins: 1 },
      { range: "quantile" },
      { range: "adaptive", bin_size: 0.1 },
      { lo: 1, hi: -1 },
      { layers: "dense_1" },
      { binz: 30 },
    ]
  ) {
    await assert.rejects(
      async () => await miBinnedPlugin.setup(fakeContext().ctx, options),
      (e: unknown) => e instanceof LensError && e.code === "config",
      JSON.stringify(options),
    );
  }
  await assert.rejects(
    async () => await miKdePlugin.setup(fakeContext().ctx, { noise_variance: 0 }),
    (e: unknown) => e instanceof LensError && e.field === "plugins.mi-kde.options.noise_variance",
  );
});

Deno.test("mi-kde: two far-apart clusters give 1 bit; records per layer and bound", async () => {
  const { ctx, records } = fakeContext();
  const inst = await miKdePlugin.setup(ctx, { block_size: 3 });
  const P = 10;
  const h = new Float32Array(P * 2);
  for (let i = 5; i < P; i++) h[2 * i] = 50;
  const labels = new Int32Array(P).map((_, i) => (i < 5 ? 0 : 1));
  const cache: ActivationCache = new Map([
    ["dense_1", act(h, 2)],
    ["output", act(new Float32Array(P * 2).fill(0.5), 2)],
  ]);
  await inst.activations!({ seed: 1, epoch: 2, cache, labels, numClasses: 2 });
  assert.equal(records.length, 8);
  for (const m of ["ixt_upper", "ixt_lower", "ity_upper", "ity_lower"]) {
    near(find(records, "dense_1", 2, 1, m), 1, m);
    near(find(records, "output", 2, 1, m), 0, m);
  }
  assert.equal(miKdePlugin.charts?.[0].x.metric, "ixt_upper");
  assert.equal(miBinnedPlugin.charts?.[0].colorBy, "epoch");
});
