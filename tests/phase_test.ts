import assert from "node:assert/strict";
import { createRng } from "../core/rng.ts";
import { logSpacedEpochs } from "../core/schedule.ts";
import type { PluginInstance, ResultInput, ResultRecord } from "../core/types.ts";
import { seriesPeak, snrTransition } from "../plugins/ib/phase.ts";
import { phasesPlugin } from "../plugins/ib/phases_plugin.ts";

const EPOCHS = logSpacedEpochs(8000, 400); // 274 epochs, every epoch up to 43

Deno.test("SNR step with noise: the break is found at the first epoch past it", () => {
  for (const breakAt of [20, 350, 1200, 5000]) {
    for (let seed = 0; seed < 5; seed++) {
      const rng = createRng(seed, `snr-${breakAt}`);
      const snr = EPOCHS.map((e) => (e < breakAt ? 3 : 0.05) * Math.exp(0.4 * rng.normal()));
      const tr = snrTransition(EPOCHS, snr)!;
      const expected = EPOCHS.findIndex((e) => e >= breakAt);
      assert.ok(
        Math.abs(tr.index - expected) <= 1,
        `break ${breakAt} seed ${seed}: found epoch ${tr.epoch}, expected ${EPOCHS[expected]}`,
      );
      assert.ok(tr.highLog > tr.lowLog);
      assert.ok(
        Math.abs(tr.highLog - Math.log(3)) < 0.6 && Math.abs(tr.lowLog - Math.log(0.05)) < 0.6,
      );
      assert.ok(tr.r2 > 0.8);
    }
  }
});

Deno.test("smooth decline in log epoch: the break lands near the midpoint epoch", () => {
  for (let seed = 0; seed < 5; seed++) {
    const rng = createRng(seed, "snr-smooth");
    const mid = 400;
    // ln SNR falls from ln 5 to ln 0.02 along a logistic in log epoch, centred at `mid`.
    const snr = EPOCHS.map((e) => {
      const s = 1 / (1 + Math.exp(-3 * (Math.log1p(e) - Math.log1p(mid))));
      return Math.exp(Math.log(5) * (1 - s) + Math.log(0.02) * s + 0.3 * rng.normal());
    });
    const tr = snrTransition(EPOCHS, snr)!;
    assert.ok(tr.epoch > mid / 1.5 && tr.epoch < mid * 1.5, `seed ${seed}: ${tr.epoch}`);
  }
});

Deno.test("cell weights make the fit follow log epoch, not the dense early sampling", () => {
  // A straight decline of ln SNR in log(1 + epoch): the least-squares break of a ramp over a
  // uniform measure is its midpoint, log1p(e) = log1p(7999) / 2, i.e. epoch ~ 88. Unweighted
  // points (44 of them below epoch 44, 230 above) would put it near epoch 330.
  const snr = EPOCHS.map((e) => Math.exp(2 - 0.8 * Math.log1p(e)));
  const mid = Math.expm1(Math.log1p(7999) / 2);
  const tr = snrTransition(EPOCHS, snr)!;
  assert.ok(tr.epoch > mid / 1.15 && tr.epoch < mid * 1.15, `${tr.epoch} vs ${mid}`);
  // Non-positive and non-finite SNR values are skipped.
  const step = EPOCHS.map((e) => (e < 10 ? 10 : 0.1));
  const holes = step.map((v, i) => (i % 7 === 2 ? 0 : i % 11 === 5 ? NaN : v));
  assert.equal(snrTransition(EPOCHS, holes)!.epoch, 10);
});

Deno.test("no drift-to-diffusion break: rising SNR or too short a series", () => {
  const rising = EPOCHS.map((e) => (e < 100 ? 0.1 : 5));
  assert.equal(snrTransition(EPOCHS, rising), null);
  assert.equal(snrTransition([0, 1, 2], [5, 5, 0.1]), null);
  assert.equal(snrTransition([0, 1, 2, 3], [5, 5, 0.1, 0.1])!.epoch, 2);
});

Deno.test("I(X;T) peak: the first epoch of the maximum", () => {
  assert.deepEqual(seriesPeak([0, 10, 100, 1000], [5, 9, 9, 3]), { epoch: 10, index: 1, value: 9 });
  assert.equal(seriesPeak([0, 1, 2], [NaN, 1, 2])!.epoch, 2);
  assert.equal(seriesPeak([], []), null);
  const rng = createRng(3, "ixt");
  const ixt = EPOCHS.map((e) =>
    8 - (Math.log1p(e) - Math.log1p(250)) ** 2 / 4 + 0.001 * rng.normal()
  );
  const pk = seriesPeak(EPOCHS, ixt)!;
  assert.ok(pk.epoch > 200 && pk.epoch < 320, `${pk.epoch}`);
});

Deno.test("phases plugin: transition, peak and their difference per layer and seed", async () => {
  const records: ResultRecord[] = [];
  const mk = (
    plugin: string,
    layer: string,
    seed: number,
    metric: string,
    f: (e: number) => number,
  ) => EPOCHS.map((epoch) => ({ plugin, layer, epoch, seed, index: 0, metric, value: f(epoch) }));
  for (const seed of [0, 1]) {
    const breakAt = seed === 0 ? 300 : 600;
    for (const layer of ["dense_1", "dense_2"]) {
      records.push(...mk("grad-snr", layer, seed, "snr", (e) => (e < breakAt ? 4 : 0.1)));
      records.push(...mk("grad-snr", layer, seed, "grad_mean", () => 1));
      const peak = layer === "dense_1" ? 400 : 800;
      records.push(
        ...mk("mi-binned", layer, seed, "ixt", (e) => -Math.abs(Math.log1p(e) - Math.log1p(peak))),
      );
    }
  }
  records.push(...mk("mi-binned", "output", 0, "ixt", (e) => (e === 63 ? 2 : 1)));
  const emitted: ResultInput[] = [];
  const inst = await phasesPlugin.setup({
    runId: "t",
    artifacts: new Map(),
    emit: (rs) => emitted.push(...rs),
    results: (id) => records.filter((r) => r.plugin === id),
    log: () => {},
  }, { minSegment: 2 }) as PluginInstance;
  await inst.run_end!({ runId: "t" });
  const get = (layer: string, seed: number, metric: string) =>
    emitted.find((r) => r.layer === layer && r.seed === seed && r.metric === metric)?.value;
  const first = (e: number) => EPOCHS.find((x) => x >= e)!;
  const near = (e: number) => EPOCHS.reduce((b, x) => (Math.abs(x - e) < Math.abs(b - e) ? x : b));
  assert.equal(get("dense_1", 0, "snr_transition_epoch"), first(300));
  assert.equal(get("dense_2", 1, "snr_transition_epoch"), first(600));
  assert.equal(get("dense_1", 0, "ixt_peak_epoch"), near(400));
  assert.equal(get("dense_2", 1, "ixt_peak_epoch"), near(800));
  assert.equal(get("dense_2", 1, "peak_minus_transition"), near(800) - first(600));
  // A layer with only an I(X;T) series gets its peak and nothing else.
  assert.equal(get("output", 0, "ixt_peak_epoch"), 63);
  assert.equal(get("output", 0, "snr_transition_epoch"), undefined);
  assert.ok(emitted.every((r) => r.epoch === 0));
  assert.equal(emitted.length, 2 * 2 * 3 + 1);
});
