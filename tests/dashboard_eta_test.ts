/**
 * The dashboard's ETA (server/static/eta.js): from epoch rows arriving on
 * the live stream (sampled epochs and every 10th epoch, as the store keeps
 * them) of a log schedule where a sampled epoch costs 40x a plain one,
 * the fitted costs predict the time left within 10% once a few seconds
 * were watched, where a linear extrapolation is far off.
 */
import assert from "node:assert/strict";
import { logSpacedEpochs } from "../core/schedule.ts";
// @ts-types="../server/static/eta.d.ts"
import { createEtaEstimator } from "../server/static/eta.js";

Deno.test("dashboard ETA: plain and sampled steps costed apart from arrivals", () => {
  const epochs = 3000, seeds = 2;
  const sampled = logSpacedEpochs(epochs, 200);
  const isSampled = new Set(sampled);
  const SAMPLED_MS = 40, PLAIN_MS = 1;
  // one seed after the other; the server's poll delivers what was stored every 500 ms
  let t = 0, nextPoll = 500;
  const arrivals: [number, number[][]][] = [];
  let pending: number[][] = [];
  const ends: number[] = []; // when each (seed, epoch) step ended
  for (let seed = 0; seed < seeds; seed++) {
    for (let epoch = 0; epoch < epochs; epoch++) {
      t += isSampled.has(epoch) ? SAMPLED_MS : PLAIN_MS;
      ends.push(t);
      if (isSampled.has(epoch) || epoch % 10 === 0 || epoch === epochs - 1) {
        pending.push([0, seed, epoch, 0.5, 0.5]);
      }
      while (t >= nextPoll) {
        arrivals.push([nextPoll, pending]);
        pending = [];
        nextPoll += 500;
      }
    }
  }
  const end = t; // about 18 s
  // the page opens 3 s into the run and watches
  const eta = createEtaEstimator(sampled, epochs, seeds, 0);
  let checked = 0;
  let caughtUp: number[][] = [];
  for (const [ms, rows] of arrivals) {
    if (ms < 3000) {
      caughtUp = caughtUp.concat(rows); // the catch-up: everything so far, in one batch
      continue;
    }
    eta.add(ms, ms === 3000 ? caughtUp.concat(rows) : rows);
    if (ms === 6000 || ms === 12000) {
      const truth = (end - ms) / 1000;
      const got = eta.etaS();
      assert.ok(Math.abs(got - truth) < 0.1 * truth, `at ${ms} ms: ${got} s vs ${truth} s`);
      // a linear extrapolation of the share of steps done
      const steps = ends.filter((e) => e <= ms).length;
      const linear = (ms / 1000) * (ends.length - steps) / steps;
      assert.ok(Math.abs(linear - truth) > 0.3 * truth, `linear ${linear} s vs ${truth} s`);
      checked++;
    }
  }
  assert.equal(checked, 2);
  const fresh = createEtaEstimator(sampled, epochs, seeds);
  assert.ok(Number.isNaN(fresh.etaS()));
});
