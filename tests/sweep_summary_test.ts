/**
 * The sweep comparison row from hand-made epoch rows and records: final
 * losses, the first epoch below the loss threshold per seed, the smallest
 * test loss, the last hidden layer's I(X;T) peak and last point, and the
 * plane convergence epoch, each against values worked out by hand.
 */
import assert from "node:assert/strict";
import type { ResultRecord } from "../core/types.ts";
import { formatSweepTable } from "../cli/sweep_table.ts";
import { type EpochRow, firstBelow, type SweepRow, sweepRow } from "../cli/sweep_summary.ts";
import {
  infoPlaneSweepColumns,
  lastHiddenSeries,
  planeConvergenceEpoch,
  type PlanePath,
} from "../plugins/infoplane/sweep_columns.ts";

const COLUMNS = infoPlaneSweepColumns("mi-binned");
const opts = (lossThreshold: number, planeTolerance: number) => ({
  lossThreshold,
  settings: { plane_tolerance: planeTolerance },
  columns: COLUMNS,
});
/** The information-plane values of a row (undefined when it has none). */
const plane = (row: SweepRow) =>
  row.columns[0].text ? row.columns[0].values as unknown as PlanePath : undefined;

const close = (a: number, b: number, msg?: string) =>
  assert.ok(Math.abs(a - b) < 1e-12, `${msg ?? ""} ${a} != ${b}`);

// two seeds, stored epochs 0, 1, 5, 9; test values only at 0, 5 and 9
const LOSS = [[0.7, 0.3, 0.08, 0.05], [0.7, 0.5, 0.2, 0.09]];
const ACC = [[0.5, 0.8, 0.97, 0.99], [0.5, 0.7, 0.9, 0.97]];
const TEST_LOSS = [[0.69, null, 0.2, 0.3], [0.71, null, 0.3, 0.4]];
const TEST_ACC = [[0.5, null, 0.9, 0.88], [0.5, null, 0.86, 0.84]];
const EPOCHS = [0, 1, 5, 9];

function epochRows(): EpochRow[] {
  const rows: EpochRow[] = [];
  // interleaved and out of order, as a store might hold several groups
  for (const k of [3, 0, 2, 1]) {
    for (const seed of [1, 0]) {
      rows.push({
        seed,
        epoch: EPOCHS[k],
        loss: LOSS[seed][k],
        accuracy: ACC[seed][k],
        testLoss: TEST_LOSS[seed][k],
        testAccuracy: TEST_ACC[seed][k],
      });
    }
  }
  return rows;
}

// mi-binned: dense_1, dense_2 (the last hidden layer), output; seed means of dense_2:
// ixt 2, 5, 4.05, 4 and ity 0.1, 0.5, 0.95, 1.0
const D2_IXT = [[1, 6, 4.1, 3.9], [3, 4, 4.0, 4.1]];
const D2_ITY = [[0.1, 0.4, 0.9, 1.0], [0.1, 0.6, 1.0, 1.0]];

function records(): ResultRecord[] {
  const out: ResultRecord[] = [];
  for (const seed of [0, 1]) {
    EPOCHS.forEach((epoch, k) => {
      const base = { plugin: "mi-binned", epoch, seed, index: 0 };
      out.push({ ...base, layer: "dense_1", metric: "ixt", value: 12 });
      out.push({ ...base, layer: "dense_1", metric: "ity", value: 1 });
      out.push({ ...base, layer: "dense_2", metric: "ixt", value: D2_IXT[seed][k] });
      out.push({ ...base, layer: "dense_2", metric: "ity", value: D2_ITY[seed][k] });
      out.push({ ...base, layer: "output", metric: "ixt", value: 50 });
      out.push({ ...base, layer: "output", metric: "ity", value: 1 });
    });
  }
  // aggregates and other plugins do not count
  out.push({
    plugin: "mi-binned",
    layer: "dense_2",
    epoch: 1,
    seed: -1,
    index: 0,
    metric: "ixt",
    value: 99,
  });
  out.push({
    plugin: "mi-kde",
    layer: "dense_3",
    epoch: 1,
    seed: 0,
    index: 0,
    metric: "ixt",
    value: 99,
  });
  return out;
}

Deno.test("firstBelow: the earliest epoch strictly below the threshold, any row order", () => {
  const rows = [{ epoch: 9, loss: 0.01 }, { epoch: 5, loss: 0.1 }, { epoch: 7, loss: 0.05 }];
  assert.equal(firstBelow(rows, 0.1), 7);
  assert.equal(firstBelow(rows, 0.2), 5);
  assert.equal(firstBelow(rows, 0.01), null);
  assert.equal(firstBelow([], 1), null);
});

Deno.test("planeConvergenceEpoch: first epoch after which both coordinates stay near the end", () => {
  const s = {
    layer: "d",
    epochs: [0, 2, 4, 8, 16],
    ixt: [1, 4, 3.5, 3.95, 4],
    ity: [0, 1, 1, 1, 1],
  };
  // 3.5 is 0.5 away from 4; 3.95 is within 0.1
  assert.equal(planeConvergenceEpoch(s, 0.1), 8);
  assert.equal(planeConvergenceEpoch(s, 0.4), 8);
  // with 0.5, 3.5 counts and epoch 2 (exactly (4, 1)) too; epoch 0 is 3 bits off in I(X;T)
  assert.equal(planeConvergenceEpoch(s, 0.5), 2);
  assert.equal(planeConvergenceEpoch(s, 2.99), 2);
  assert.equal(planeConvergenceEpoch(s, 3), 0);
  // a point back inside the band does not count once an earlier one left it
  const back = { layer: "d", epochs: [0, 1, 2, 3], ixt: [4, 2, 4, 4], ity: [1, 1, 1, 1] };
  assert.equal(planeConvergenceEpoch(back, 0.1), 2);
  // I(T;Y) alone can hold it back
  const ity = { layer: "d", epochs: [0, 1, 2], ixt: [4, 4, 4], ity: [0.5, 0.95, 1] };
  assert.equal(planeConvergenceEpoch(ity, 0.1), 1);
  assert.equal(planeConvergenceEpoch({ layer: "d", epochs: [], ixt: [], ity: [] }, 0.1), null);
});

Deno.test("lastHiddenSeries: the layer before output, seed means, aggregates ignored", () => {
  const s = lastHiddenSeries(records(), "mi-binned")!;
  assert.equal(s.layer, "dense_2");
  assert.deepEqual(s.epochs, EPOCHS);
  [2, 5, 4.05, 4].forEach((v, i) => close(s.ixt[i], v, `ixt[${i}]`));
  [0.1, 0.5, 0.95, 1.0].forEach((v, i) => close(s.ity[i], v, `ity[${i}]`));
  assert.equal(lastHiddenSeries(records(), "mi-kde")!.layer, "dense_3");
  assert.equal(lastHiddenSeries(records(), "nothing"), null);
});

Deno.test("sweepRow: every column against hand-worked values", () => {
  const run = {
    variant: "v",
    runId: "r1",
    status: "completed",
    seeds: [0, 1],
    epochRows: epochRows(),
    records: records(),
  };
  const row = sweepRow(run, opts(0.1, 0.1));
  assert.equal(row.variant, "v");
  assert.equal(row.seeds, 2);
  assert.equal(row.epochs, 10);
  close(row.trainLoss, (0.05 + 0.09) / 2, "train loss");
  close(row.trainAccuracy, (0.99 + 0.97) / 2, "train accuracy");
  close(row.testLoss, (0.3 + 0.4) / 2, "test loss");
  close(row.testAccuracy, (0.88 + 0.84) / 2, "test accuracy");
  // seed-mean test loss: 0.70 at 0, 0.25 at 5, 0.35 at 9: the minimum is at 5
  close(row.testLossMin, 0.25, "min test loss");
  assert.equal(row.testLossMinEpoch, 5);
  // seed 0 first falls below 0.1 at epoch 5 (0.08), seed 1 at 9 (0.09)
  assert.deepEqual(row.thresholdEpochs, [5, 9]);
  assert.equal(row.thresholdEpoch, 7);
  assert.equal(row.thresholdReached, 2);
  const p = plane(row)!;
  assert.equal(p.layer, "dense_2");
  assert.equal(p.ixtPeakEpoch, 1);
  close(p.ixtPeak, 5);
  close(p.ixtLast, 4);
  close(p.ityLast, 1);
  // (4.05, 0.95) at epoch 5 is within 0.1 of (4, 1); (5, 0.5) at 1 is not
  assert.equal(p.planeEpoch, 5);
  assert.deepEqual(row.columns[0].text, ["dense_2", "1", "5.000", "4.000", "1.000", "5"]);

  // a tighter threshold: only seed 0 reaches 0.06 (at 9)
  const tight = sweepRow(run, opts(0.06, 1.5));
  assert.deepEqual(tight.thresholdEpochs, [9, null]);
  assert.equal(tight.thresholdEpoch, 9);
  assert.equal(tight.thresholdReached, 1);
  // within 1.5 bits of (4, 1): epoch 1 (|5 - 4| = 1, |0.5 - 1| = 0.5) qualifies, epoch 0 does not
  assert.equal(plane(tight)!.planeEpoch, 1);
  const none = sweepRow(run, opts(0.01, 0.1));
  assert.equal(none.thresholdEpoch, null);
  assert.equal(none.thresholdReached, 0);

  // no MI records: the information-plane columns are empty
  const bare = sweepRow({ ...run, records: [] }, opts(0.1, 0.1));
  assert.equal(plane(bare), undefined);
  assert.equal(bare.columns[0].text, null);

  // the table keeps the information-plane columns only when some variant has them
  const withMi = formatSweepTable("s", [row, bare], COLUMNS, { plane_tolerance: 0.1 });
  assert.match(withMi, /IXT peak ep/);
  assert.match(withMi, /plane ep:/);
  const withoutMi = formatSweepTable("s", [bare]);
  assert.doesNotMatch(withoutMi, /IXT|plane ep|MI in bits/);
  assert.match(withoutMi, /variant\s+seeds\s+epochs\s+train loss.*reached\s*$/m);
});
