/**
 * The `mi-ksg` and `mi-noisy` plugins: through their handlers on
 * synthetic layers (values against the kernels and closed forms, option
 * checks), and through the engine on the 12-bit net trained briefly, where
 * every mi-noisy value must lie between mi-kde's lower and upper values at
 * the same noise variance (within 3 Monte Carlo standard errors), and
 * mi-ksg stays within [-0.05, log2 rows + 0.5] (its estimate is not clamped).
 */
import assert from "node:assert/strict";
import { parseConfig } from "../core/config.ts";
import { runExperiment } from "../core/engine.ts";
import { LensError } from "../core/errors.ts";
import { createRegistry } from "../core/registry.ts";
import { createRng } from "../core/rng.ts";
import { openStore } from "../core/store.ts";
import type { ActivationsEvent, ResultInput } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { kdeMi } from "../plugins/infoplane/kde_mi.ts";
import { miKsgPlugin } from "../plugins/infoplane/mi_ksg_plugin.ts";
import { miNoisyPlugin } from "../plugins/infoplane/mi_noisy_plugin.ts";
import { noisyMi } from "../plugins/infoplane/noisy_mi.ts";
import { withDir } from "./cli_helpers.ts";
import { fakeContext } from "./plugin_context.ts";

const value = (records: ResultInput[], layer: string, metric: string) =>
  records.find((r) => r.layer === layer && r.metric === metric)?.value;

/** Two classes of `per` points around -c and +c in `d` dimensions, plus label. */
function twoClusters(per: number, d: number, c: number, seed: number): ActivationsEvent {
  const rng = createRng(seed, "clusters");
  const n = 2 * per, data = new Float32Array(n * d), labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i < per ? 0 : 1;
    for (let q = 0; q < d; q++) data[i * d + q] = (labels[i] ? c : -c) + 0.05 * rng.normal();
  }
  return {
    epoch: 3,
    seed: 0,
    cache: new Map([["dense_1", { data, rows: n, cols: d }]]),
    labels,
    numClasses: 2,
  } as unknown as ActivationsEvent;
}

Deno.test("mi-noisy: records equal the kernel on the same draws; far classes give 1 bit", async () => {
  const e = twoClusters(100, 3, 5, 0);
  const { ctx, records } = fakeContext();
  const inst = await miNoisyPlugin.setup(ctx, { noise_variance: 0.01, samples: 400 });
  await inst.activations!(e);
  const a = e.cache.get("dense_1")!;
  const ids = new Int32Array(a.rows).map((_, i) => i);
  const [ixt, ity] = noisyMi(
    a.data,
    a.rows,
    a.cols,
    [ids, e.labels],
    0.01,
    400,
    createRng(0, "mi-noisy:dense_1:3"),
  );
  assert.equal(value(records, "dense_1", "ixt"), ixt.bits);
  assert.equal(value(records, "dense_1", "ixt_se"), ixt.se);
  assert.equal(value(records, "dense_1", "ity_se"), ity.se);
  assert.ok(Math.abs(value(records, "dense_1", "ity")! - 1) < 1e-9, "classes 10 apart, noise 0.1");
  assert.deepEqual(
    new Set(records.map((r) => r.metric)),
    new Set(["ixt", "ity", "ixt_se", "ity_se"]),
  );
});

Deno.test("mi-ksg: far classes give I(T;Y) near 1 bit; ixt below log2 rows; noise 0 emits ity only", async () => {
  const e = twoClusters(200, 2, 5, 1);
  {
    const { ctx, records } = fakeContext();
    const inst = await miKsgPlugin.setup(ctx, { noise_variance: 0.01, max_rows: 0 });
    await inst.activations!(e);
    const ity = value(records, "dense_1", "ity")!, ixt = value(records, "dense_1", "ixt")!;
    assert.ok(Math.abs(ity - 1) < 0.02, `ity ${ity}`);
    // s = 0.1 against a within-class spread 0.05: inputs overlap, so well below log2 400
    assert.ok(ixt > 1 && ixt < Math.log2(400), `ixt ${ixt}`);
  }
  {
    const { ctx, records } = fakeContext();
    const inst = await miKsgPlugin.setup(ctx, { noise_variance: 0, max_rows: 100 });
    await inst.activations!(e);
    assert.deepEqual(records.map((r) => r.metric), ["ity", "ties"]);
    assert.ok(Math.abs(records[0].value - 1) < 0.05, `ity ${records[0].value}`);
  }
  assert.throws(
    () => miKsgPlugin.setup(fakeContext().ctx, { repeats: 1 }),
    (err: unknown) => err instanceof LensError && err.field === "plugins.mi-ksg.options.repeats",
  );
  assert.throws(
    () => miNoisyPlugin.setup(fakeContext().ctx, { noise_variance: 0 }),
    (err: unknown) =>
      err instanceof LensError && err.field === "plugins.mi-noisy.options.noise_variance",
  );
});

Deno.test("mi-noisy between the KDE bounds on synthetic layers (3 standard errors)", () => {
  for (const [d, spread, s2] of [[2, 1, 0.05], [5, 0.5, 0.1], [10, 0.3, 0.02]]) {
    const rng = createRng(d, "layer");
    const P = 512, t = new Float32Array(P * d), y = new Int32Array(P);
    for (let i = 0; i < P; i++) {
      y[i] = rng.int(3);
      for (let q = 0; q < d; q++) t[i * d + q] = Math.tanh(spread * (rng.normal() + y[i]));
    }
    const k = kdeMi(t, P, d, y, 3, s2, 64);
    const ids = new Int32Array(P).map((_, i) => i);
    const [ixt, ity] = noisyMi(t, P, d, [ids, y], s2, 2048, createRng(0));
    assert.ok(
      ixt.bits >= k.ixtLower - 3 * ixt.se && ixt.bits <= k.ixtUpper + 3 * ixt.se,
      `ixt d ${d}`,
    );
    assert.ok(
      ity.bits >= k.ityLower - 3 * ity.se && ity.bits <= k.ityUpper + 3 * ity.se,
      `ity d ${d}`,
    );
  }
});

Deno.test("engine: 12-bit net trained briefly; mi-noisy lies between mi-kde's bounds on every layer", async () => {
  await withDir(async (dir) => {
    const config = parseConfig(
      `name: noisy-vs-kde
data: { name: tishby12 }
training: { epochs: 300 }
schedule: { type: every, every: 150 }
seeds: [0]
plugins:
  - { id: mi-kde, options: { noise_variance: 0.1 } }
  - { id: mi-noisy, options: { noise_variance: 0.1, samples: 1024 } }
  - { id: mi-ksg, options: { max_rows: 256, layers: [dense_3, output] } }
`,
      "inline.yaml",
    );
    const store = openStore(`${dir}/runs.db`);
    try {
      const { runId, status } = await runExperiment({
        config,
        store,
        registry: createRegistry(builtinPlugins()),
      });
      assert.equal(status, "completed");
      const all = store.queryResults(runId).filter((r) => r.seed >= 0);
      const get = (plugin: string, layer: string, epoch: number, metric: string) =>
        all.find((r) =>
          r.plugin === plugin && r.layer === layer && r.epoch === epoch &&
          r.metric === metric
        )!.value;
      const noisy = all.filter((r) => r.plugin === "mi-noisy" && r.metric === "ixt");
      assert.ok(noisy.length >= 12, `${noisy.length} layer-epochs`);
      for (const r of noisy) {
        for (const m of ["ixt", "ity"]) {
          const v = get("mi-noisy", r.layer, r.epoch, m),
            se = get("mi-noisy", r.layer, r.epoch, `${m}_se`);
          const lo = get("mi-kde", r.layer, r.epoch, `${m}_lower`);
          const hi = get("mi-kde", r.layer, r.epoch, `${m}_upper`);
          assert.ok(
            v >= lo - 3 * se && v <= hi + 3 * se,
            `${m} ${r.layer} @${r.epoch}: ${lo} <= ${v} +- ${se} <= ${hi}`,
          );
        }
      }
      const ksg = all.filter((r) => r.plugin === "mi-ksg" && r.metric === "ixt");
      const ksgText = ksg.map((r) => `${r.layer}@${r.epoch}=${r.value}`).join(" ");
      assert.ok(
        ksg.length >= 4 && ksg.every((r) => r.value > -0.05 && r.value <= Math.log2(256) + 0.5),
        ksgText,
      );
    } finally {
      store.close();
    }
  }, "layerlens-noisy-");
});
