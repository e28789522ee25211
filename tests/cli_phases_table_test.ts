/**
 * The phases table of `lens show`: hand-made `phases` records give the
 * per-seed epochs in seed order, "-" where a seed found no transition, and
 * the median of peak - transition over the seeds that have one (even
 * count: the mean of the middle two).
 */
import assert from "node:assert/strict";
import { formatPhasesTable, phasesCells, phasesRows } from "../plugins/ib/phases_table.ts";
import type { ResultRecord } from "../core/types.ts";

const rec = (layer: string, seed: number, metric: string, value: number): ResultRecord => ({
  plugin: "phases",
  layer,
  epoch: 0,
  seed,
  index: 0,
  metric,
  value,
});

Deno.test("phases table: per-seed epochs side by side, missing ones, median gap", () => {
  const records: ResultRecord[] = [
    // seed 1 listed first: rows still come in seed order
    rec("dense_5", 1, "snr_transition_epoch", 190),
    rec("dense_5", 1, "ixt_peak_epoch", 85),
    rec("dense_5", 1, "peak_minus_transition", -105),
    rec("dense_5", 0, "snr_transition_epoch", 240),
    rec("dense_5", 0, "ixt_peak_epoch", 80),
    rec("dense_5", 0, "peak_minus_transition", -160),
    rec("output", 0, "ixt_peak_epoch", 100), // no transition found in either seed
    rec("output", 1, "ixt_peak_epoch", 97),
    { ...rec("dense_5", -1, "snr_transition_epoch_mean", 215) }, // aggregates are ignored
    { ...rec("dense_5", 0, "ixt", 8), plugin: "mi-binned" },
  ];
  assert.deepEqual(phasesRows(records), [
    {
      layer: "dense_5",
      seeds: [0, 1],
      transition: [240, 190],
      peak: [80, 85],
      medianGap: -132.5,
    },
    {
      layer: "output",
      seeds: [0, 1],
      transition: [undefined, undefined],
      peak: [100, 97],
      medianGap: undefined,
    },
  ]);
  const text = formatPhasesTable(records);
  assert.match(text, /per seed 0, 1\)/);
  assert.match(text, /dense_5\s+240, 190\s+80, 85\s+-132/);
  assert.match(text, /output\s+-, -\s+100, 97\s+-$/m);
  assert.equal(formatPhasesTable([records[9]]), "");
});

Deno.test("phases cells: the text lens show and tools/infoplane_report.ts both print", () => {
  // a median of -172.5 (dense_5 of the shipped reference run): Math.round gives -172, where
  // toFixed(0) would give -173; one function makes both printers agree
  // per seed 0..4: SNR transition (none in seed 0) and I(X;T) peak
  const transition = [undefined, 242, 184, 237, 511];
  const peak = [83, 49, 78, 85, 134];
  const rows = phasesRows(peak.flatMap((p, seed) => {
    const t = transition[seed];
    const out = [rec("dense_5", seed, "ixt_peak_epoch", p)];
    if (t !== undefined) {
      out.push(rec("dense_5", seed, "snr_transition_epoch", t));
      out.push(rec("dense_5", seed, "peak_minus_transition", p - t));
    }
    return out;
  }));
  assert.equal(rows[0].medianGap, -172.5);
  assert.deepEqual(phasesCells(rows[0]), [
    "dense_5",
    "-, 242, 184, 237, 511",
    "83, 49, 78, 85, 134",
    "-172",
  ]);
});
