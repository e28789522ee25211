import assert from "node:assert/strict";
import { createArtifacts } from "../core/artifacts.ts";
import { join } from "node:path";
import { writeNpy } from "../core/data/npy.ts";
import { createRng } from "../core/rng.ts";
import { tishby12Arrays } from "../core/data/tishby12.ts";
import type {
  ActivationCache,
  Dataset,
  ModelHandle,
  Plugin,
  PluginContext,
  PluginInstance,
  ResultInput,
  ResultRecord,
} from "../core/types.ts";
import { ibBoundPlugin } from "../plugins/ib/bound_plugin.ts";
import { ibConsistencyPlugin } from "../plugins/ib/consistency_plugin.ts";
import { IB_CURVE_ARTIFACT, type IbCurveArtifact } from "../plugins/ib/curve_artifact.ts";
import { binnedMi } from "../plugins/infoplane/binned_mi.ts";
import { referenceBins } from "../plugins/infoplane/digitize.ts";
import { referenceEdges } from "../plugins/infoplane/grid_edges.ts";

/** A context that keeps what plugins emit, sharing artifacts and results between plugins. */
function harness() {
  const artifacts = createArtifacts();
  const records: ResultRecord[] = [];
  const logs: string[] = [];
  const ctxFor = (plugin: string): PluginContext => ({
    runId: "test",
    artifacts,
    emit: (rs: ResultInput[]) => {
      for (const r of rs) records.push({ plugin, index: 0, ...r } as ResultRecord);
    },
    results: (id: string) => records.filter((r) => r.plugin === id),
    log: (m: string) => logs.push(m),
  });
  const start = async (p: Plugin, options: Record<string, unknown> = {}) => {
    const defaults = Object.fromEntries(Object.entries(p.options).map(([k, s]) => [k, s.default]));
    return await p.setup(ctxFor(p.id), { ...defaults, ...options }) as PluginInstance;
  };
  return { artifacts, records, logs, start };
}

function entropyBits(p: number[]): number {
  return p.reduce((h, v) => (v > 0 ? h - v * Math.log2(v) : h), 0);
}

const { y: labels } = tishby12Arrays();
const ones = labels.reduce((s, v) => s + v, 0);
const HY = entropyBits([ones / 4096, 1 - ones / 4096]);

/** Layers with known binned encoders on the 4096 probe inputs. */
function cache(): ActivationCache {
  const byLabel = new Float32Array(4096).map((_, i) => (labels[i] ? 0.9 : -0.9));
  const constant = new Float32Array(4096 * 2).fill(0.1);
  // 12 units = the bits mapped to -0.5 / 0.5: all 4096 rows distinct.
  const { x } = tishby12Arrays();
  const identity = x.map((b) => b - 0.5);
  // Parity of the lowest bit: 2 clusters, each half of each class (nearly).
  const lowBit = new Float32Array(4096).map((_, i) => (i & 1 ? 0.5 : -0.5));
  return new Map([
    ["by_label", { data: byLabel, rows: 4096, cols: 1 }],
    ["constant", { data: constant, rows: 4096, cols: 2 }],
    ["identity", { data: identity, rows: 4096, cols: 12 }],
    ["low_bit", { data: lowBit, rows: 4096, cols: 1 }],
  ]);
}

const metric = (records: ResultRecord[], layer: string, m: string) =>
  records.find((r) => r.layer === layer && r.metric === m)?.value;

Deno.test("ib-bound in analyze mode (activations + run_end): curve, records, artifact", async () => {
  const h = harness();
  const bound = await h.start(ibBoundPlugin, { soften: 0.1 });
  const cons = await h.start(ibConsistencyPlugin);
  const event = { seed: 0, epoch: 0, cache: cache(), labels, numClasses: 2 };
  await bound.activations!(event);
  await cons.activations!(event);
  await bound.activations!({ ...event, epoch: 5 }); // computed once
  await bound.run_end!({ runId: "test" });
  const ib = h.records.filter((r) => r.plugin === "ib-bound");
  assert.equal(ib.length, 86 * 4);
  const art = h.artifacts.get(IB_CURVE_ARTIFACT) as IbCurveArtifact;
  assert.equal(art.curve.groups, 2);
  assert.equal(art.source, "labels");
  const ixt0 = ib.find((r) => r.index === 0 && r.metric === "ib_ixt")!;
  assert.deepEqual([ixt0.layer, ixt0.epoch, ixt0.seed], ["ib", 0, 0]);
  // Top of the curve: T = class, I(X;T) = H(Y); bottom: 0.
  assert.ok(Math.abs(ixt0.value - HY) < 1e-6);
  assert.ok(ib.find((r) => r.index === 85 && r.metric === "ib_ixt")!.value < 1e-9);
  const beta0 = ib.find((r) => r.index === 0 && r.metric === "beta")!.value;
  assert.ok(Math.abs(beta0 - 0.8 * 2 ** 8.5) < 1e-9);
  // Consistency records: 7 metrics x 4 layers.
  const c = h.records.filter((r) => r.plugin === "ib-consistency");
  assert.equal(c.length, 28);
  for (const layer of ["by_label", "constant", "identity", "low_bit"]) {
    const lo = metric(c, layer, "beta_star_lo")!;
    const hi = metric(c, layer, "beta_star_hi")!;
    const star = metric(c, layer, "beta_star")!;
    assert.ok(lo <= star + 1e-12 && star <= hi, `${layer}: ${lo} <= ${star} <= ${hi}`);
  }
  // Label-sorted layer: on the curve's top point, gap 0.
  assert.ok(Math.abs(metric(c, "by_label", "layer_ixt")! - HY) < 1e-9);
  assert.ok(Math.abs(metric(c, "by_label", "layer_ity")! - art.curve.ixy) < 1e-9);
  assert.ok(Math.abs(metric(c, "by_label", "gap")!) < 1e-6);
  // Constant layer: the origin, gap 0.
  assert.ok(Math.abs(metric(c, "constant", "layer_ixt")!) < 1e-12);
  assert.ok(Math.abs(metric(c, "constant", "gap")!) < 1e-12);
  // All-distinct layer: I(X;T) = 12 bits, I(T;Y) = I(X;Y), on the flat part: gap 0.
  assert.ok(Math.abs(metric(c, "identity", "layer_ixt")! - 12) < 1e-9);
  assert.ok(Math.abs(metric(c, "identity", "gap")!) < 1e-6);
  // Low bit: 1 bit of I(X;T), nearly no label information: gap = bound(1) - ity > 0.5.
  const gapLow = metric(c, "low_bit", "gap")!;
  assert.ok(gapLow > 0.5 && gapLow <= art.curve.ixy, `${gapLow}`);
  for (const r of c) assert.ok(Number.isFinite(r.value));
});

Deno.test("ib-bound with hard labels from train_end: (0, 0) below beta 1, (H, H) above, note logged", async () => {
  const h = harness();
  const bound = await h.start(ibBoundPlugin);
  const dataset = {
    numClasses: 2,
    probe: { x: new Float32Array(0), y: labels, n: 4096 },
  } as unknown as Dataset;
  await bound.train_end!({ seed: 0, epochs: 1, model: {} as ModelHandle, dataset });
  const art = h.artifacts.get(IB_CURVE_ARTIFACT) as IbCurveArtifact;
  // The Lagrangian optimum on the curve min(I(X;T), H(Y)): I(X;T) = 0 below beta 1, H(Y) above.
  for (const p of art.curve.points) {
    const r = p.beta < 1 ? 0 : HY;
    assert.ok(Math.abs(p.ixt - r) < 1e-12 && Math.abs(p.ity - r) < 1e-12, `beta ${p.beta}`);
  }
  assert.ok(art.curve.points.some((p) => p.beta < 1));
  assert.deepEqual(art.envelope.x, [0, art.curve.points[0].ixt]);
  assert.ok(h.logs.some((l) => l.includes("deterministic")));
});

Deno.test("ib-bound with a table (.csv and .npy); errors name the file", async () => {
  const dir = Deno.makeTempDirSync();
  try {
    // 4 inputs x 2 classes, unnormalised.
    const csv = join(dir, "joint.csv");
    Deno.writeTextFileSync(csv, "y0,y1\n3,1\n1,3\n2,2\n4,0\n");
    const npy = join(dir, "joint.npy");
    writeNpy(npy, { dtype: "f8", shape: [4, 2], data: new Float64Array([3, 1, 1, 3, 2, 2, 4, 0]) });
    for (const path of [csv, npy]) {
      const h = harness();
      const bound = await h.start(ibBoundPlugin, { table: path });
      await bound.run_start!({} as never);
      const art = h.artifacts.get(IB_CURVE_ARTIFACT) as IbCurveArtifact;
      assert.equal(art.source, path);
      assert.deepEqual([...art.joint.px], [0.25, 0.25, 0.25, 0.25]);
      assert.deepEqual([...art.joint.pyx], [0.75, 0.25, 0.25, 0.75, 0.5, 0.5, 1, 0]);
      // I(X;Y) = H(Y) - H(Y|X), p(y) = (10/16, 6/16)
      const hyx = (2 * entropyBits([0.75, 0.25]) + 1) / 4;
      assert.ok(Math.abs(art.curve.ixy - (entropyBits([10 / 16, 6 / 16]) - hyx)) < 1e-12);
      // The consistency plugin refuses activations of another size, naming the table.
      const cons = await h.start(ibConsistencyPlugin);
      await assert.rejects(
        async () =>
          await cons.activations!({
            seed: 0,
            epoch: 0,
            cache: new Map([["d", { data: new Float32Array(5), rows: 5, cols: 1 }]]),
            labels: new Int32Array(5),
            numClasses: 2,
          }),
        (e: Error) => e.message.includes(path) && e.message.includes("5 rows"),
      );
    }
    const bad = join(dir, "bad.csv");
    Deno.writeTextFileSync(bad, "1,2\n3\n");
    await assert.rejects(
      async () => await harness().start(ibBoundPlugin, { table: bad }),
      (e: Error) => e.message.includes(bad) && e.message.includes("line 2"),
    );
    await assert.rejects(
      async () => await harness().start(ibBoundPlugin, { table: join(dir, "missing.npy") }),
      (e: Error) => e.message.includes("missing.npy"),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("ib-bound fails at run_end when no labels came; ib-consistency needs the curve", async () => {
  const h = harness();
  const bound = await h.start(ibBoundPlugin);
  await assert.rejects(async () => await bound.run_end!({ runId: "x" }), /no labels/);
  const cons = await h.start(ibConsistencyPlugin);
  await assert.rejects(
    async () =>
      await cons.activations!({ seed: 0, epoch: 0, cache: cache(), labels, numClasses: 2 }),
    /IB curve is missing/,
  );
});

Deno.test("with hard labels the layer's point equals the infoplane binned estimate", async () => {
  const h = harness();
  const bound = await h.start(ibBoundPlugin);
  const cons = await h.start(ibConsistencyPlugin);
  const rng = createRng(4, "ib-layers");
  const layers: ActivationCache = new Map();
  for (const [name, units, scale] of [["a", 3, 2], ["b", 5, 0.3], ["c", 1, 4]] as const) {
    const data = new Float32Array(4096 * units).map(() => Math.tanh(scale * rng.normal()));
    layers.set(name, { data, rows: 4096, cols: units });
  }
  const event = { seed: 2, epoch: 7, cache: layers, labels, numClasses: 2 };
  await bound.activations!(event);
  await cons.activations!(event);
  for (const [name, a] of layers) {
    const codes = new Int32Array(a.data.length);
    referenceBins(referenceEdges(), a.data, codes);
    const ref = binnedMi(codes, a.rows, a.cols, labels, 2);
    const got = (m: string) =>
      h.records.find((r) => r.layer === name && r.metric === m && r.seed === 2 && r.epoch === 7)!
        .value;
    assert.ok(
      Math.abs(got("layer_ixt") - ref.ixt) < 1e-9,
      `${name}: ${got("layer_ixt")} vs ${ref.ixt}`,
    );
    assert.ok(Math.abs(got("layer_ity") - ref.ity) < 1e-9);
    // Hard labels: the bound is min(I(X;T), H(Y)).
    assert.ok(Math.abs(got("gap") - (Math.min(ref.ixt, HY) - ref.ity)) < 1e-9);
    assert.ok(got("gap") > 0);
  }
});
