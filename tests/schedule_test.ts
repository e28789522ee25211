import assert from "node:assert/strict";
import { logSpacedEpochs, sampledEpochs } from "../core/schedule.ts";

// Values computed with numpy 1.24.2 (Debian python3-numpy), one line per (total, points):
//   e = np.unique(np.logspace(0, np.log2(total), points, base=2).astype(int)) - 1
//   e = e[e < total]
//   print(total, points, len(e), int(e.sum()), int(e[-1]))
// The pairs after the first three are those where the former formula (exponent
// log2(total) * i / (points - 1) instead of numpy's i * step) gave one epoch more or less.
const NUMPY: [total: number, points: number, count: number, sum: number, last: number][] = [
  [8000, 400, 274, 357762, 7999],
  [10000, 400, 279, 436893, 9998],
  [10000, 1800, 964, 1937814, 9998], // the authors' stored 12-bit experiment: 964 epochs, last 9998
  [1000, 70, 56, 10372, 999],
  [1000, 691, 329, 94860, 999],
  [8000, 178, 138, 161198, 7999],
  [8000, 181, 139, 163843, 7999],
  [10000, 93, 79, 104811, 9998],
  [10000, 97, 82, 109140, 9998],
  [10000, 921, 559, 998011, 9998],
];

Deno.test("log schedule matches numpy's unique(int(logspace(...))) - 1", () => {
  for (const [total, points, count, sum, last] of NUMPY) {
    const e = logSpacedEpochs(total, points);
    const got = [e.length, e.reduce((a, b) => a + b, 0), e[e.length - 1]];
    assert.deepEqual(got, [count, sum, last], `total ${total}, points ${points}`);
  }
});

Deno.test("log schedule at 8000 / 400 samples 398, not 399 (numpy: ... 381 390 398 408 417 ...)", () => {
  // numpy 1.24.2: e = np.unique(np.logspace(0, np.log2(8000), 400, base=2).astype(int)) - 1;
  // e[(e > 380) & (e < 420)] -> [381 390 398 408 417]
  assert.deepEqual(logSpacedEpochs(8000, 400).filter((v) => v > 380 && v < 420), [
    381,
    390,
    398,
    408,
    417,
  ]);
});

Deno.test("log schedule: every epoch up to 43 at 8000 / 400, ascending and unique", () => {
  const e = logSpacedEpochs(8000, 400);
  assert.deepEqual(e.slice(0, 44), Array.from({ length: 44 }, (_, i) => i));
  assert.equal(e[44], 45); // numpy: ... 42 43 45 46 ...
  for (let i = 1; i < e.length; i++) assert.ok(e[i] > e[i - 1]);
});

Deno.test("log schedule with one point is numpy's linspace start: epoch 0", () => {
  assert.deepEqual(logSpacedEpochs(8000, 1), [0]);
  assert.deepEqual(sampledEpochs({ type: "log", points: 1 }, 8000), [0]);
});

Deno.test("every and list schedules", () => {
  assert.deepEqual(sampledEpochs({ type: "every", every: 3 }, 8), [0, 3, 6, 7]);
  assert.deepEqual(sampledEpochs({ type: "list", epochs: [5, 1, 5, 9] }, 8), [1, 5]);
});
