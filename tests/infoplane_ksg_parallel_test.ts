import assert from "node:assert/strict";
import { ksgFromCounts, ksgMi, ksgNeighbourCounts } from "../plugins/infoplane/ksg_mi.ts";
import { ksgMiParallel } from "../plugins/infoplane/ksg_parallel.ts";
import { mutualInformation, mutualInformationAsync } from "../plugins/infoplane/mi_arrays.ts";
import { correlatedGaussians } from "../tools/known_mi.ts";

Deno.test("KSG counts cut into ranges give the very same estimate as one pass", () => {
  const { x, y } = correlatedGaussians(700, 2, 0.5, 3);
  const whole = ksgMi(x, 2, y, 2, 700, 3);
  const parts = [[0, 1], [1, 250], [250, 699], [699, 700]].map(([a, b]) =>
    ksgNeighbourCounts(x, 2, y, 2, 700, 3, a, b)
  );
  const cut = ksgFromCounts(parts, 700, 3);
  assert.equal(cut.nats, whole.nats);
  assert.equal(cut.ties, whole.ties);
  // and the estimate is a real one: exact MI of the Gaussians is 2 * -0.5 log2(0.75) = 0.415 bits
  assert.ok(Math.abs(whole.bits - 0.415) < 0.1, `${whole.bits}`);
});

Deno.test("KSG on workers: the same double as one thread, for 2 and 3 workers", async () => {
  const n = 4500;
  const { x, y } = correlatedGaussians(n, 2, 0.6, 7);
  const one = ksgMi(x, 2, y, 2, n, 4);
  for (const w of [2, 3]) {
    const par = await ksgMiParallel(x, 2, y, 2, n, 4, w);
    assert.equal(par.nats, one.nats, `${w} workers`);
    assert.equal(par.ties, one.ties);
  }
  const t = { data: x, rows: n, cols: 2 }, u = { data: y, rows: n, cols: 2 };
  const sync = mutualInformation(t, u, { estimator: "ksg", k: 4, ranks: true });
  const async2 = await mutualInformationAsync(t, u, {
    estimator: "ksg",
    k: 4,
    ranks: true,
    workers: 2,
  });
  assert.deepEqual(async2, sync);
});
