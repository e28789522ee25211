import assert from "node:assert/strict";
import { compressionTiming } from "../tools/compression_timing.ts";

Deno.test("compression timing: share of the fall of I(X;T) before I(T;Y) is near its end", () => {
  // peak 8 at epoch 10, end 4: compression 4 bits; I(T;Y) first >= 0.95 * 1.0 at epoch 100,
  // where I(X;T) = 7: 1 of the 4 bits came before, 25%.
  const t = compressionTiming([0, 10, 100, 1000], [6, 8, 7, 4], [0.1, 0.5, 0.96, 1.0]);
  assert.deepEqual(
    [t.peakEpoch, t.ixtPeak, t.ityPeak, t.reachEpoch, t.ixtAtReach, t.compression],
    [10, 8, 0.5, 100, 7, 4],
  );
  assert.equal(t.shareBeforeReach, 0.25);
  // I(T;Y) reaches 95% only at the end: all of the compression came before
  const late = compressionTiming([0, 10, 100, 1000], [6, 8, 7, 4], [0.1, 0.5, 0.6, 1.0]);
  assert.equal(late.reachEpoch, 1000);
  assert.equal(late.shareBeforeReach, 1);
  // I(T;Y) near its end value before the peak: none of the compression came before
  const early = compressionTiming([0, 10, 100, 1000], [6, 8, 7, 4], [0.1, 0.97, 0.98, 1.0]);
  assert.equal(early.reachEpoch, 10);
  assert.equal(early.shareBeforeReach, 0);
  // another fraction: 0.5 of the end value is first reached at epoch 10
  assert.equal(compressionTiming([0, 10, 100], [6, 8, 7], [0.1, 0.5, 1], 0.5).reachEpoch, 10);
});

Deno.test("compression timing: no compression, ties, bad input", () => {
  const flat = compressionTiming([0, 1, 2], [3, 5, 5], [0, 1, 1]);
  assert.equal(flat.peakEpoch, 1); // first of the tied maxima
  assert.equal(flat.compression, 0);
  assert.equal(flat.shareBeforeReach, undefined);
  // I(T;Y) reaches 95% exactly at the peak: nothing came before
  const t = compressionTiming([0, 1, 2, 3], [5, 4, 5.5, 2], [0, 0.2, 1, 1]);
  assert.equal(t.peakEpoch, 2);
  assert.equal(t.shareBeforeReach, 0);
  assert.throws(() => compressionTiming([0, 1], [1], [1, 2]), /one length/);
  assert.throws(() => compressionTiming([], [], []), /one length/);
});
