/**
 * The progress line's ETA follows the sampling schedule: on a log
 * schedule, where early epochs are sampled (slow) and later ones are not,
 * the time left predicted from the costs of sampled and plain epochs is
 * close to the truth, where a linear extrapolation is several times too
 * long. At 80 columns the line keeps loss, accuracy and ETA.
 */
import assert from "node:assert/strict";
import { createProgressTracker, etaSeconds, formatProgress } from "../core/progress.ts";
import { logSpacedEpochs } from "../core/schedule.ts";

Deno.test("ETA: sampled and plain epochs costed apart, seeds one after another", () => {
  const epochs = 2000, seeds = 2;
  const sampled = new Set(logSpacedEpochs(epochs, 150));
  const after = (e: number) => [...sampled].filter((s) => s > e).length;
  const SAMPLED_S = 0.08, PLAIN_S = 0.002;
  const total = seeds * (sampled.size * SAMPLED_S + (epochs - sampled.size) * PLAIN_S);
  const tr = createProgressTracker();
  let t = 0;
  const checks: [number, number, number][] = [];
  for (let seedIndex = 0; seedIndex < seeds; seedIndex++) {
    for (let epoch = 0; epoch < epochs; epoch++) {
      const isSampled = sampled.has(epoch);
      t += isSampled ? SAMPLED_S : PLAIN_S;
      const v = tr.update({
        seed: seedIndex,
        seedIndex,
        seeds,
        epoch,
        epochs,
        loss: 0.5,
        accuracy: 0.5,
        elapsedS: t,
        sampled: isSampled,
        sampledLeft: after(epoch),
      });
      if ([300, 1000].includes(epoch) && seedIndex === 0) {
        checks.push([total - t, v.etaS!, etaSeconds(v.fraction, t)]);
      }
    }
  }
  for (const [truth, eta, linear] of checks) {
    assert.ok(Math.abs(eta - truth) < 0.02 * truth, `eta ${eta} vs ${truth}`);
    assert.ok(linear > 1.5 * truth, `linear ${linear} vs ${truth}`);
  }
  // early in the run (epoch 300 of 2000) linear extrapolation is several times too long
  assert.ok(checks[0][2] > 4 * checks[0][0], `linear ${checks[0][2]} vs ${checks[0][0]}`);
});

Deno.test("ETA: linear until a plain epoch is seen, and without schedule information", () => {
  const tr = createProgressTracker();
  const base = { seed: 0, seedIndex: 0, seeds: 1, epochs: 100, loss: 1, accuracy: 0 };
  const v = tr.update({ ...base, epoch: 9, elapsedS: 10, sampled: true, sampledLeft: 50 });
  assert.equal(v.etaS, undefined);
  assert.match(formatProgress(v, { bar: false }), /ETA 1m30s$/);
  const w = createProgressTracker().update({ ...base, epoch: 49, elapsedS: 10 });
  assert.equal(w.etaS, undefined);
});

Deno.test("progress line at 80 columns keeps loss, accuracy and ETA", () => {
  const v = {
    seedLabel: "seeds 1-20/20",
    epoch: 1233,
    epochs: 8000,
    loss: 0.123456,
    accuracy: 0.98765,
    fraction: 0.154,
    elapsedS: 3725,
    etaS: 612,
  };
  const wide = formatProgress(v, { bar: true });
  assert.ok(wide.length > 79, wide);
  for (const width of [79, 70, 60]) {
    const line = formatProgress(v, { bar: true, width });
    assert.ok(line.length <= width, `${line.length} > ${width}: ${line}`);
    assert.match(line, /loss 0\.1235 {2}acc 0\.988 .*ETA 10m12s$/);
  }
  // with room, the bar and the elapsed time come back
  assert.match(formatProgress(v, { bar: true, width: 120 }), /\[#.*\] 15\.4% .*elapsed 1h02m/);
});
