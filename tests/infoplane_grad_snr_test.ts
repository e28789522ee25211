/**
 * Gradient SNR (docs/methods.md section 4): the Welford kernel on gradients with a
 * known mean and std, against a two-pass reference, with a large offset,
 * and the `grad-snr` plugin driven through its hook handlers.
 */
import assert from "node:assert/strict";
import { createRng } from "../core/rng.ts";
import type { PluginContext, PluginInstance, ResultInput } from "../core/types.ts";
import { addGradient, createGradMoments, gradSnr } from "../plugins/infoplane/grad_moments.ts";
import { gradSnrPlugin } from "../plugins/infoplane/grad_snr_plugin.ts";

function close(a: number, b: number, rel: number, what: string) {
  assert.ok(Math.abs(a - b) <= rel * Math.abs(b), `${what}: ${a} vs ${b}`);
}

const MU = [0.5, -1.25, 3, 0, 2, -0.75];
const SIGMA = [0.25, 0.5, 1, 2, 0.125, 0];

/** Batches g_b = mu + sigma * (+1, -1, +1, -1, ...): mean mu, population std sigma exactly. */
function knownBatches(count: number, scale = 1): Float32Array[] {
  return Array.from(
    { length: count },
    (_, b) => new Float32Array(MU.map((m, i) => scale * (m + (b % 2 ? -1 : 1) * SIGMA[i]))),
  );
}

Deno.test("known mean and std: m = ||mu||, s = ||sigma|| (population), snr = m / s", () => {
  const m = createGradMoments(MU.length);
  for (const g of knownBatches(6)) addGradient(m, g);
  const r = gradSnr(m);
  const wantM = Math.sqrt(15.375), wantS = Math.sqrt(5.328125); // by hand from MU, SIGMA
  close(r.mean, wantM, 1e-15, "mean");
  close(r.std, wantS, 1e-15, "std");
  close(r.snr, wantM / wantS, 1e-15, "snr");
});

Deno.test("random gradients: equal to a two-pass float64 mean and std (ddof 0)", () => {
  const rng = createRng(5, "snr");
  const size = 120, batches = 7;
  const gs = Array.from(
    { length: batches },
    () => new Float32Array(size).map(() => 0.01 + 0.003 * rng.normal()),
  );
  const m = createGradMoments(size);
  for (const g of gs) addGradient(m, g);
  let sm = 0, sv = 0;
  for (let i = 0; i < size; i++) {
    let mean = 0;
    for (const g of gs) mean += g[i];
    mean /= batches;
    let v = 0;
    for (const g of gs) v += (g[i] - mean) ** 2;
    sm += mean * mean;
    sv += v / batches;
  }
  const r = gradSnr(m);
  close(r.mean, Math.sqrt(sm), 1e-13, "mean");
  close(r.std, Math.sqrt(sv), 1e-12, "std");
});

Deno.test("a large mean does not swamp a small std (Welford, not E[g^2] - E[g]^2)", () => {
  // 1000 + -2^-10 is exact in float32; 4000 batches; std 2^-10 per element
  const m = createGradMoments(3);
  for (let b = 0; b < 4000; b++) {
    const d = b % 2 ? -(2 ** -10) : 2 ** -10;
    addGradient(m, new Float32Array([1000 + d, -1000 - d, 1000 + d]));
  }
  const r = gradSnr(m);
  close(r.mean, 1000 * Math.sqrt(3), 1e-15, "mean");
  close(r.std, 2 ** -10 * Math.sqrt(3), 1e-9, "std");
});

function fakeContext() {
  const records: ResultInput[] = [];
  const logs: string[] = [];
  const ctx: PluginContext = {
    runId: "test",
    emit: (rs) => records.push(...rs),
    results: () => [],
    log: (m) => logs.push(m),
    artifacts: new Map(),
  };
  return { ctx, records, logs };
}

Deno.test("grad-snr plugin: per seed, layer and sampled epoch, seeds interleaved", async () => {
  const { ctx, records, logs } = fakeContext();
  const inst: PluginInstance = await gradSnrPlugin.setup(ctx, { layers: [] });
  const batches = knownBatches(4);
  // two seeds interleaved; seed 1's gradients are twice seed 0's
  for (let b = 0; b < 4; b++) {
    for (const seed of [0, 1]) {
      const scale = seed + 1;
      await inst.batch_end!({
        seed,
        epoch: 3,
        batch: b,
        loss: 0.5,
        grads: new Map([
          ["dense_1", batches[b].map((v) => v * scale)],
          ["output", new Float32Array([1, 2 + b % 2])],
        ]),
      });
    }
  }
  // an unsampled epoch brings no batches and no records
  await inst.epoch_end!({ seed: 0, epoch: 2, sampled: false, loss: 1, accuracy: 0.5 });
  assert.equal(records.length, 0);
  for (const seed of [1, 0]) {
    await inst.epoch_end!({ seed, epoch: 3, sampled: true, loss: 1, accuracy: 0.5 });
  }
  assert.equal(records.length, 12);
  const get = (seed: number, layer: string, metric: string) => {
    const r = records.filter((x) => x.seed === seed && x.layer === layer && x.metric === metric);
    assert.equal(r.length, 1, `${seed} ${layer} ${metric}`);
    assert.equal(r[0].epoch, 3);
    return r[0].value;
  };
  for (const seed of [0, 1]) {
    const s = seed + 1;
    close(get(seed, "dense_1", "grad_mean"), s * Math.sqrt(15.375), 1e-15, "mean");
    close(get(seed, "dense_1", "grad_std"), s * Math.sqrt(5.328125), 1e-15, "std");
    close(get(seed, "dense_1", "snr"), Math.sqrt(15.375 / 5.328125), 1e-15, "snr");
    // output: element 0 constant 1, element 1 alternates 2 / 3: m = sqrt(1 + 2.5^2), s = 0.5
    close(get(seed, "output", "grad_mean"), Math.sqrt(1 + 6.25), 1e-15, "output mean");
    close(get(seed, "output", "grad_std"), 0.5, 1e-15, "output std");
  }
  assert.equal(logs.length, 0);
  // one batch: std 0, snr left out and logged once
  await inst.batch_end!({
    seed: 0,
    epoch: 9,
    batch: 0,
    loss: 0.1,
    grads: new Map([["dense_1", batches[0]]]),
  });
  await inst.epoch_end!({ seed: 0, epoch: 9, sampled: true, loss: 1, accuracy: 0.5 });
  assert.deepEqual(records.slice(12).map((r) => r.metric), ["grad_mean", "grad_std"]);
  assert.equal(logs.length, 1);
});

Deno.test("grad-snr plugin: layers option filters, unknown layer and size change are LensErrors", async () => {
  const { ctx, records } = fakeContext();
  const inst = await gradSnrPlugin.setup(ctx, { layers: ["output"] });
  const grads = new Map([["dense_1", new Float32Array(4)], ["output", new Float32Array([1])]]);
  await inst.batch_end!({ seed: 0, epoch: 0, batch: 0, loss: 1, grads });
  await inst.batch_end!({ seed: 0, epoch: 0, batch: 1, loss: 1, grads });
  await inst.epoch_end!({ seed: 0, epoch: 0, sampled: true, loss: 1, accuracy: 0.5 });
  assert.deepEqual([...new Set(records.map((r) => r.layer))], ["output"]);
  const bad = await gradSnrPlugin.setup(fakeContext().ctx, { layers: ["dense_9"] });
  await bad.batch_end!({ seed: 0, epoch: 0, batch: 0, loss: 1, grads });
  await assert.rejects(
    async () => await bad.epoch_end!({ seed: 0, epoch: 0, sampled: true, loss: 1, accuracy: 0 }),
    /dense_9/,
  );
  const resize = await gradSnrPlugin.setup(fakeContext().ctx, {});
  await resize.batch_end!({ seed: 0, epoch: 0, batch: 0, loss: 1, grads });
  await assert.rejects(
    async () =>
      await resize.batch_end!({
        seed: 0,
        epoch: 0,
        batch: 1,
        loss: 1,
        grads: new Map([["dense_1", new Float32Array(5)]]),
      }),
    /dense_1 has 5 values in batch 1/,
  );
});
