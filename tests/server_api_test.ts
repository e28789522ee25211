/**
 * The HTTP API through app.request() (no server): every route with a real
 * SQLite store in a temp dir, the error statuses (404 unknown run, 400 bad
 * filter or config, 401 / 403 refused run starts), the export, and the live
 * event stream (catch-up, then records appended while reading arrive, then
 * the final status).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseConfig } from "../core/config.ts";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import type { Plugin, ResultRecord, Store } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { createApp } from "../server/app.ts";
import { summarizeResults } from "../server/routes/live.ts";
import { CSV_HEADER } from "../server/routes/runs.ts";
import { createRunSpawner } from "../server/spawn_run.ts";

/** A plugin that only declares a chart, so the chart route has a spec of its own here. */
const planePlugin: Plugin = {
  id: "test-plane",
  description: "test plugin with an information-plane chart",
  options: {},
  consumes: ["activations"],
  emits: [{ name: "ixt", description: "x" }, { name: "ity", description: "y" }],
  charts: [{
    id: "plane",
    title: "plane",
    type: "scatter",
    x: { metric: "ixt", label: "I(X;T)" },
    y: { metrics: ["ity"], label: "I(T;Y)" },
    groupBy: "layer",
    colorBy: "epoch",
    overlay: { plugin: "test-ib", x: "ixt", y: "ity", label: "IB bound" },
  }],
  setup: () => ({}),
};

/** The dashboard page's token in these tests. */
const PAGE_TOKEN = "page-token";
/** What the dashboard page sends with a config. */
const PAGE_HEADERS = { "Content-Type": "application/yaml", "X-Lens-Token": PAGE_TOKEN };

const LOOPBACK = { remoteAddr: { hostname: "127.0.0.1", port: 50000, transport: "tcp" } };
const REMOTE = { remoteAddr: { hostname: "192.168.7.20", port: 50000, transport: "tcp" } };

const LAYERS = ["dense_1", "dense_2"];
const SEEDS = [0, 1, 2];
const EPOCHS = [0, 1, 2, 5];

/** I(X;T) of layer l, epoch e, seed s: distinct, hand-checkable values. */
const ixtOf = (l: number, e: number, s: number) => 10 - 2 * l - e / 10 + s;
const ityOf = (l: number, e: number, s: number) => 0.5 + 0.01 * e - 0.1 * l + 0.05 * s;

function planeRecords(): ResultRecord[] {
  const out: ResultRecord[] = [];
  LAYERS.forEach((layer, l) => {
    for (const epoch of EPOCHS) {
      for (const seed of SEEDS) {
        const base = { plugin: "test-plane", layer, epoch, seed, index: 0 };
        out.push({ ...base, metric: "ixt", value: ixtOf(l, epoch, seed) });
        out.push({ ...base, metric: "ity", value: ityOf(l, epoch, seed) });
      }
    }
  });
  return out;
}

interface Fixture {
  dir: string;
  store: Store;
  runId: string;
  records: ResultRecord[];
  spawned: [string, string][];
  app: ReturnType<typeof createApp>;
}

async function fixture(token?: string): Promise<Fixture> {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-api-" });
  const dbPath = join(dir, "runs.db");
  const store = openStore(dbPath);
  const runId = store.createRun({
    id: "run-a",
    name: "api test",
    config: {
      name: "api test",
      data: { name: "tishby12", split: "reference", trainFraction: 0.8 },
      model: { type: "mlp", hidden: [10, 7], activation: "tanh", init: "reference" },
      training: { epochs: 6, batchSize: 512, lr: 0.0004, optimizer: "adam", shuffle: false },
      seeds: SEEDS,
      plugins: [{ id: "test-plane", options: {} }],
    },
    seeds: SEEDS,
    backend: "js",
    engine: "fused",
    versions: { layerlens: "test" },
  });
  const records = planeRecords();
  store.appendResults(runId, records);
  store.appendResults(runId, [
    { plugin: "test-ib", layer: "", epoch: 0, seed: 0, index: 1, metric: "ixt", value: 3 },
    { plugin: "test-ib", layer: "", epoch: 0, seed: 0, index: 1, metric: "ity", value: 0.9 },
    { plugin: "test-ib", layer: "", epoch: 0, seed: 0, index: 0, metric: "ixt", value: 0 },
    { plugin: "test-ib", layer: "", epoch: 0, seed: 0, index: 0, metric: "ity", value: 0 },
  ]);
  for (const seed of SEEDS) {
    for (let epoch = 0; epoch < 3; epoch++) {
      store.recordEpoch(runId, {
        seed,
        epoch,
        sampled: true,
        loss: 0.7 - 0.1 * epoch,
        accuracy: 0.5 + 0.1 * epoch,
      });
    }
  }
  const spawned: [string, string][] = [];
  const app = createApp({
    store,
    registry: createRegistry([...builtinPlugins(), planePlugin]),
    dbPath,
    token,
    sessionToken: PAGE_TOKEN,
    pollMs: 40,
    spawnRun: (yaml, id) => {
      spawned.push([yaml, id]);
      return Promise.resolve();
    },
  });
  return { dir, store, runId, records, spawned, app };
}

async function cleanup(f: Fixture) {
  f.store.close();
  await Deno.remove(f.dir, { recursive: true });
}

async function json(res: Response) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`not JSON (${res.status}): ${text.slice(0, 200)}`);
  }
}

/** Asserts an error answer: the status, a JSON {error} and no stack trace. */
async function assertError(res: Response, status: number, includes?: string | RegExp) {
  const body = await json(res);
  assert.equal(
    res.status,
    status,
    `expected ${status}, got ${res.status}: ${JSON.stringify(body)}`,
  );
  assert.equal(typeof body.error, "string");
  assert.doesNotMatch(body.error, /\n\s+at /, "no stack trace in error messages");
  if (typeof includes === "string") assert.ok(body.error.includes(includes), body.error);
  else if (includes) assert.match(body.error, includes);
  return body;
}

const GOOD_CONFIG = `name: posted
data: {name: tishby12}
model: {type: mlp, hidden: [4, 3], activation: tanh}
training: {epochs: 3}
seeds: [0]
plugins: [{id: test-plane}]
`;

Deno.test("GET /api/runs and /api/runs/:id describe the stored run", async () => {
  const f = await fixture();
  try {
    const list = await json(await f.app.request("/api/runs"));
    assert.equal(list.runs.length, 1);
    const r = list.runs[0];
    assert.equal(r.id, "run-a");
    assert.equal(r.status, "running");
    assert.equal(r.data, "tishby12");
    assert.equal(r.model, "mlp 10-7 tanh");
    assert.equal(r.seeds, 3);
    assert.equal(r.epochs, 6);
    // 3 seeds have trained epochs 0..2 of 6: half the seed-epochs
    assert.equal(r.progress, 0.5);
    assert.deepEqual(r.plugins, ["test-plane"]);

    const one = await json(await f.app.request("/api/runs/run-a"));
    assert.equal(one.run.id, "run-a");
    assert.equal(one.run.config.training.epochs, 6);
    assert.equal(one.run.progress.length, 3);
    f.store.recordPluginError("run-a", "test-plane", "boom");
    f.store.finishRun("run-a", "completed", { total_s: 12.5 });
    const done = await json(await f.app.request("/api/runs/run-a"));
    assert.equal(done.run.status, "completed");
    assert.deepEqual(done.run.pluginErrors, [{ plugin: "test-plane", message: "boom" }]);
    assert.equal(done.run.timings.total_s, 12.5);
    assert.equal(done.summary.durationS, 12.5);

    await assertError(await f.app.request("/api/runs/nope"), 404, "nope");
    await assertError(await f.app.request("/api/nothing-here"), 404);
  } finally {
    await cleanup(f);
  }
});

Deno.test("GET /api/runs/:id/results filters records", async () => {
  const f = await fixture();
  try {
    const all = await json(await f.app.request("/api/runs/run-a/results?plugin=test-plane"));
    assert.equal(all.count, f.records.length);
    const q = "/api/runs/run-a/results?metric=ixt,ity&layer=dense_2&seed=1&epoch_min=1&epoch_max=2";
    const some = await json(await f.app.request(q));
    const expected = f.records.filter((r) =>
      r.layer === "dense_2" && r.seed === 1 && r.epoch >= 1 && r.epoch <= 2
    );
    assert.equal(some.count, expected.length);
    assert.equal(some.count, 4); // epochs 1 and 2, two metrics
    for (const r of some.results) {
      const want = r.metric === "ixt" ? ixtOf(1, r.epoch, 1) : ityOf(1, r.epoch, 1);
      assert.ok(Math.abs(r.value - want) < 1e-12, `${r.metric} ${r.value} vs ${want}`);
    }
    const one = await json(
      await f.app.request("/api/runs/run-a/results?plugin=test-plane&metric=ity&epoch_max=0"),
    );
    assert.equal(one.count, LAYERS.length * SEEDS.length);
    assert.ok(one.results.every((r: ResultRecord) => r.metric === "ity" && r.epoch === 0));
    const after = await json(await f.app.request(`/api/runs/run-a/results?after_id=0`));
    assert.equal(after.count, f.records.length + 4);

    const base = "/api/runs/run-a/results";
    await assertError(await f.app.request(`${base}?epoch_min=abc`), 400, "epoch_min");
    await assertError(await f.app.request(`${base}?epoch_max=1.5`), 400, "epoch_max");
    await assertError(await f.app.request(`${base}?seed=`), 400, "seed");
    await assertError(await f.app.request(`${base}?metric=ixt,,ity`), 400, "metric");
    await assertError(await f.app.request(`${base}?metric=ixt;drop`), 400, "metric");
    await assertError(await f.app.request(`${base}?epoch_min=5&epoch_max=1`), 400, "epoch_min");
    await assertError(await f.app.request(`${base}?epoch=1`), 400, "epoch");
    await assertError(await f.app.request(`${base}?seed=1&seed=2`), 400, "seed");
    await assertError(await f.app.request("/api/runs/nope/results"), 404);
  } finally {
    await cleanup(f);
  }
});

Deno.test("GET /api/runs/:id/chart aggregates seeds server-side, with the overlay", async () => {
  const f = await fixture();
  try {
    const d = await json(await f.app.request("/api/runs/run-a/chart/test-plane/plane"));
    assert.equal(d.chart.id, "plane");
    assert.deepEqual(d.seeds, SEEDS);
    assert.deepEqual(d.epochs, EPOCHS);
    assert.deepEqual(d.series.map((s: { label: string }) => s.label), LAYERS);
    const s = d.series[1];
    assert.deepEqual(s.epoch, EPOCHS);
    EPOCHS.forEach((e, i) => {
      // mean over seeds 0, 1, 2 of ixt = ixt(seed 1); sd of (v-1, v, v+1) = 1
      assert.ok(Math.abs(s.x[i] - ixtOf(1, e, 1)) < 1e-5);
      assert.ok(Math.abs(s.y[i] - ityOf(1, e, 1)) < 1e-5);
      assert.equal(s.xSd[i], 1);
      assert.ok(Math.abs(s.ySd[i] - 0.05) < 1e-9);
      assert.equal(s.n[i], 3);
    });
    assert.equal(d.overlay.length, 1);
    assert.deepEqual(d.overlay[0].x, [0, 3]);
    assert.deepEqual(d.overlay[0].y, [0, 0.9]);

    const one = await json(await f.app.request("/api/runs/run-a/chart/test-plane/plane?seed=2"));
    assert.deepEqual(one.seeds, [2]);
    assert.equal(one.series[0].x[0], ixtOf(0, 0, 2));
    assert.equal(one.series[0].xSd, undefined);

    // grad-snr charts carry the phases plugin's SNR transition as markers (seed mean per layer)
    f.store.appendResults("run-a", [
      {
        plugin: "grad-snr",
        layer: "dense_1",
        epoch: 0,
        seed: 0,
        index: 0,
        metric: "snr",
        value: 5,
      },
      ...[300, 340].map((value, seed) => ({
        plugin: "phases",
        layer: "dense_1",
        epoch: 0,
        seed,
        index: 0,
        metric: "snr_transition_epoch",
        value,
      })),
    ]);
    const snr = await json(await f.app.request("/api/runs/run-a/chart/grad-snr/metric:snr"));
    assert.deepEqual(snr.markers.map((m: { layer: string; value: number }) => [m.layer, m.value]), [
      ["dense_1", 320],
    ]);
    assert.equal(d.markers.length, 0);

    // the built-in information plane gets the IB bound drawn on it when ib-bound has results
    const plane = () => f.app.request("/api/runs/run-a/chart/mi-binned/infoplane");
    f.store.appendResults(
      "run-a",
      f.records.filter((r) => r.seed === 0).map((r) => ({ ...r, plugin: "mi-binned" })),
    );
    assert.deepEqual((await json(await plane())).overlay, []);
    f.store.appendResults("run-a", [
      { plugin: "ib-bound", layer: "ib", epoch: 0, seed: 0, index: 0, metric: "ib_ixt", value: 1 },
      {
        plugin: "ib-bound",
        layer: "ib",
        epoch: 0,
        seed: 0,
        index: 0,
        metric: "ib_ity",
        value: 0.5,
      },
    ]);
    // a point below min(I(X;T), H(Y)): the curve of softened labels, no bound of these hard labels
    const soft = await json(await plane());
    assert.equal(soft.series.length, 2);
    assert.deepEqual(soft.overlay, []);
    assert.match(soft.note, /No IB bound drawn: .*softened.* tops out at 0\.5 bits/);
    // the corners of a hard-label curve (another run): the bound min(I(X;T), 0.9), flat to the
    // plane's last I(X;T); every layer point lies on or below it
    f.store.createRun({
      id: "run-h",
      name: "hard labels",
      config: { name: "hard labels", plugins: [{ id: "mi-binned" }, { id: "ib-bound" }] },
      seeds: SEEDS,
      backend: "js",
      engine: "fused",
      versions: {},
    });
    f.store.appendResults("run-h", [
      ...f.records.map((r) => ({ ...r, plugin: "mi-binned" })),
      ...[[12, 0.9], [0.9, 0.9], [0, 0]].flatMap(([ixt, ity], index) => [
        { plugin: "ib-bound", layer: "ib", epoch: 0, seed: 0, index, metric: "ib_ixt", value: ixt },
        { plugin: "ib-bound", layer: "ib", epoch: 0, seed: 0, index, metric: "ib_ity", value: ity },
      ]),
    ]);
    const hard = await json(await f.app.request("/api/runs/run-h/chart/mi-binned/infoplane"));
    assert.equal(hard.note, undefined);
    assert.equal(hard.overlay.length, 1);
    assert.match(
      hard.overlay[0].label,
      /^IB bound, hard labels: min\(I\(X;T\), H\(Y\) = 0\.9 bits\)/,
    );
    assert.deepEqual(hard.overlay[0].x, [0, 0.9, 12]);
    assert.deepEqual(hard.overlay[0].y, [0, 0.9, 0.9]);
    let below = 0;
    for (const s of hard.series) {
      s.x.forEach((x: number, i: number) => {
        assert.ok(s.y[i] <= Math.min(x, 0.9) + 1e-12, `${s.label} (${x}, ${s.y[i]})`);
        below++;
      });
    }
    assert.equal(below, LAYERS.length * EPOCHS.length);
    // ib-bound's own chart says why it is two corners
    const own = await json(await f.app.request("/api/runs/run-h/chart/ib-bound/ib-curve"));
    assert.match(own.note, /Hard labels: the IB curve is degenerate/);

    const byMetric = await json(await f.app.request("/api/runs/run-a/chart/test-plane/metric:ity"));
    assert.equal(byMetric.series.length, 2);
    assert.deepEqual(byMetric.series[0].x, EPOCHS);

    await assertError(await f.app.request("/api/runs/run-a/chart/test-plane/nope"), 404, "nope");
    await assertError(await f.app.request("/api/runs/run-a/chart/nope/plane"), 404);
    await assertError(await f.app.request("/api/runs/nope/chart/test-plane/plane"), 404);
    await assertError(await f.app.request("/api/runs/run-a/chart/test-plane/plane?seed=x"), 400);
    await assertError(await f.app.request("/api/runs/run-a/chart/test-plane/plane?foo=1"), 400);
  } finally {
    await cleanup(f);
  }
});

Deno.test("GET /api/runs/:id/export writes CSV and JSON", async () => {
  const f = await fixture();
  try {
    const res = await f.app.request("/api/runs/run-a/export?format=csv&plugin=test-plane");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/csv/);
    assert.match(res.headers.get("content-disposition") ?? "", /run-a\.csv/);
    const lines = (await res.text()).trimEnd().split("\n");
    assert.equal(lines[0], CSV_HEADER);
    assert.equal(lines[0], "plugin,layer,epoch,seed,index,metric,value");
    assert.equal(lines.length, f.records.length + 1);
    const first = f.records[0];
    assert.equal(
      lines[1],
      [first.plugin, first.layer, first.epoch, first.seed, first.index, first.metric, first.value]
        .join(","),
    );
    const j = await json(
      await f.app.request("/api/runs/run-a/export?format=json&metric=ity&plugin=test-plane"),
    );
    assert.equal(j.run.id, "run-a");
    assert.equal(j.results.length, f.records.length / 2);
    assert.equal(j.results[0].id, undefined);
    await assertError(await f.app.request("/api/runs/run-a/export?format=xml"), 400, "format");
    await assertError(await f.app.request("/api/runs/nope/export"), 404);
  } finally {
    await cleanup(f);
  }
});

Deno.test("GET /api/plugins lists options and chart specs", async () => {
  const f = await fixture();
  try {
    const { plugins } = await json(await f.app.request("/api/plugins"));
    const p = plugins.find((x: { id: string }) => x.id === "test-plane");
    assert.ok(p);
    assert.equal(p.charts[0].id, "plane");
    assert.equal(p.charts[0].overlay.plugin, "test-ib");
    for (const b of builtinPlugins()) {
      assert.ok(plugins.some((x: { id: string }) => x.id === b.id), b.id);
    }
  } finally {
    await cleanup(f);
  }
});

Deno.test("POST /api/runs validates, checks who asks, and spawns", async () => {
  const f = await fixture();
  try {
    const post = (body: string, env = LOOPBACK, headers: Record<string, string> = {}) =>
      f.app.request("/api/runs", {
        method: "POST",
        body,
        headers: { ...PAGE_HEADERS, ...headers },
      }, env);
    const ok = await post(GOOD_CONFIG);
    const okBody = await json(ok);
    assert.equal(ok.status, 202, JSON.stringify(okBody));
    assert.equal(typeof okBody.id, "string");
    assert.deepEqual(f.spawned, [[GOOD_CONFIG, okBody.id]]);
    // not written by the (fake) child yet: answered as starting
    const starting = await json(await f.app.request(`/api/runs/${okBody.id}`));
    assert.equal(starting.run.status, "starting");

    const asJson = await post(JSON.stringify({
      name: "json",
      data: { name: "tishby12" },
      training: { epochs: 2 },
      plugins: [{ id: "test-plane" }],
    }));
    assert.equal(asJson.status, 202);

    const bad = await assertError(
      await post(GOOD_CONFIG.replace("epochs: 3", "epochs: -3")),
      400,
      "training.epochs",
    );
    assert.equal(bad.field, "training.epochs");
    await assertError(
      await post(GOOD_CONFIG.replace("test-plane", "no-such-plugin")),
      400,
      "no-such-plugin",
    );
    await assertError(await post(""), 400);
    await assertError(await post(GOOD_CONFIG, REMOTE), 403);
    await assertError(await post(GOOD_CONFIG, {} as typeof LOOPBACK), 403);
    await assertError(
      await post(GOOD_CONFIG, LOOPBACK, { Origin: "http://evil.example" }),
      403,
      "cross-site",
    );
    assert.equal(f.spawned.length, 2);
  } finally {
    await cleanup(f);
  }
});

Deno.test("POST /api/runs with a token: right token from anywhere, wrong token never", async () => {
  const f = await fixture("s3cret-token");
  try {
    const post = (env: typeof LOOPBACK, auth?: string) =>
      f.app.request("/api/runs", {
        method: "POST",
        body: GOOD_CONFIG,
        headers: auth ? { Authorization: auth, "Content-Type": "application/yaml" } : PAGE_HEADERS,
      }, env);
    assert.equal((await post(REMOTE, "Bearer s3cret-token")).status, 202);
    await assertError(await post(REMOTE, "Bearer wrong"), 401, "token");
    await assertError(await post(LOOPBACK, "Bearer wrong"), 401);
    await assertError(await post(REMOTE, "Basic czNjcmV0"), 401);
    await assertError(await post(REMOTE), 403);
    assert.equal((await post(LOOPBACK)).status, 202);
    assert.equal(f.spawned.length, 2);
  } finally {
    await cleanup(f);
  }
});

interface SseEvent {
  event: string;
  data: unknown;
  id?: string;
}

/** Reads server-sent events from a response body, one at a time. */
function sseReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  return {
    async next(timeoutMs = 5000): Promise<SseEvent | null> {
      const deadline = Date.now() + timeoutMs;
      while (true) {
        const cut = buf.indexOf("\n\n");
        if (cut >= 0) {
          const block = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          if (block.startsWith(":")) continue;
          const ev: SseEvent = { event: "message", data: "" };
          const data: string[] = [];
          for (const line of block.split("\n")) {
            if (line.startsWith("event: ")) ev.event = line.slice(7);
            else if (line.startsWith("data: ")) data.push(line.slice(6));
            else if (line.startsWith("id: ")) ev.id = line.slice(4);
          }
          ev.data = JSON.parse(data.join("\n"));
          return ev;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error("no event in time");
        let timer: ReturnType<typeof setTimeout> | undefined;
        const r = await Promise.race([
          reader.read(),
          new Promise<never>((_, no) => {
            timer = setTimeout(() => no(new Error("no event in time")), left);
          }),
        ]).finally(() => clearTimeout(timer));
        if (r.done) return null;
        buf += r.value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

Deno.test("GET /api/runs/:id/events: catch-up, then follow, then the final status", async () => {
  const f = await fixture();
  const res = await f.app.request("/api/runs/run-a/events");
  const sse = sseReader(res);
  try {
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/event-stream/);
    // catch-up: every epoch row, a summary of every record, then the status
    const epochs = await sse.next();
    assert.equal(epochs?.event, "epochs");
    const rows = (epochs!.data as { rows: number[][] }).rows;
    assert.equal(rows.length, SEEDS.length * 3);
    assert.deepEqual(rows[0].slice(1, 5), [0, 0, 0.7, 0.5]);
    const results = await sse.next();
    assert.equal(results?.event, "results");
    const summary = results!.data as {
      count: number;
      lastId: number;
      plugins: Record<string, { count: number; metrics: string[]; layers: string[] }>;
    };
    assert.equal(summary.count, f.records.length + 4);
    assert.equal(summary.plugins["test-plane"].count, f.records.length);
    assert.deepEqual(summary.plugins["test-plane"].metrics, ["ity", "ixt"]);
    assert.deepEqual(summary.plugins["test-plane"].layers, LAYERS);
    const status = await sse.next();
    assert.equal(status?.event, "status");
    assert.deepEqual(
      [(status!.data as { status: string }).status, (status!.data as { final: boolean }).final],
      ["running", false],
    );

    // follow: records and epochs appended now arrive
    f.store.appendResults("run-a", [
      {
        plugin: "test-plane",
        layer: "dense_1",
        epoch: 9,
        seed: 0,
        index: 0,
        metric: "ixt",
        value: 1,
      },
      { plugin: "late", layer: "x", epoch: 9, seed: 0, index: 0, metric: "m", value: 2 },
    ]);
    f.store.recordEpoch("run-a", { seed: 0, epoch: 3, sampled: false, loss: 0.3, accuracy: 0.9 });
    const seen = new Map<string, SseEvent>();
    while (!seen.has("results") || !seen.has("epochs")) {
      const ev = await sse.next();
      assert.ok(ev, "stream ended early");
      seen.set(ev.event, ev);
    }
    const more = seen.get("results")!.data as typeof summary;
    assert.equal(more.count, 2);
    assert.ok(more.lastId > summary.lastId);
    assert.deepEqual(Object.keys(more.plugins).sort(), ["late", "test-plane"]);
    const newRows = (seen.get("epochs")!.data as { rows: number[][] }).rows;
    assert.deepEqual(newRows.map((r) => r.slice(1, 3)), [[0, 3]]);

    // the run ends: a final status event, then the stream closes
    f.store.finishRun("run-a", "completed", { total_s: 1 });
    let last: SseEvent | null = null;
    while (true) {
      const ev = await sse.next();
      if (!ev) break;
      last = ev;
    }
    assert.equal(last?.event, "status");
    assert.equal((last!.data as { status: string }).status, "completed");
    assert.equal((last!.data as { final: boolean }).final, true);
  } finally {
    await sse.cancel().catch(() => {});
    await cleanup(f);
  }
});

Deno.test("events of a finished run: catch-up and final status; unknown run 404", async () => {
  const f = await fixture();
  try {
    f.store.finishRun("run-a", "failed", {}, "it broke");
    const res = await f.app.request("/api/runs/run-a/events");
    const sse = sseReader(res);
    const kinds: string[] = [];
    let last: SseEvent | null = null;
    while (true) {
      const ev = await sse.next();
      if (!ev) break;
      kinds.push(ev.event);
      last = ev;
    }
    assert.deepEqual(kinds, ["epochs", "results", "status"]);
    assert.deepEqual(
      [(last!.data as { status: string }).status, (last!.data as { error: string }).error],
      ["failed", "it broke"],
    );
    // a reconnecting client sends the last id it saw and gets nothing old
    const again = await f.app.request("/api/runs/run-a/events", {
      headers: { "Last-Event-ID": last!.id! },
    });
    const kinds2: string[] = [];
    const sse2 = sseReader(again);
    while (true) {
      const ev = await sse2.next();
      if (!ev) break;
      kinds2.push(ev.event);
    }
    assert.deepEqual(kinds2, ["status"]);
    await assertError(await f.app.request("/api/runs/nope/events"), 404);
  } finally {
    await cleanup(f);
  }
});

Deno.test("static assets: the page shell, modules and chart.js from disk", async () => {
  const f = await fixture();
  try {
    for (const path of ["/", "/runs/run-a", "/compare?runs=a,b"]) {
      const res = await f.app.request(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers.get("content-type") ?? "", /text\/html/);
      const html = await res.text();
      assert.ok(html.includes("/vendor/charts.js") && html.includes("/static/app.bundle.js"));
    }
    // the run page's first API answers are preloaded, at the URLs the page asks for
    const runHtml = await (await f.app.request("/runs/run%20a")).text();
    assert.ok(runHtml.includes('<link rel="preload" href="/api/runs/run%20a" as="fetch"'));
    assert.ok(runHtml.includes('<link rel="preload" href="/api/plugins" as="fetch"'));
    const cmpHtml = await (await f.app.request('/compare?runs=a,b"><script>')).text();
    assert.ok(cmpHtml.includes('href="/api/runs/b%22%3E%3Cscript%3E/training"'));
    assert.ok(!cmpHtml.includes('"><script>'));
    const bundle1 = await f.app.request("/static/app.bundle.js");
    assert.match(bundle1.headers.get("content-type") ?? "", /javascript/);
    assert.match(await bundle1.text(), /\/\/ ---- pages\/run\.js\nconst __m\d+ = \(\(\) => \{/);
    const chart = await f.app.request("/vendor/chart.js");
    assert.equal(chart.status, 200);
    const chartText = await chart.text();
    assert.match(chartText, /Chart/);
    // the three as one script, in the order they must run, without source-map comments
    const bundle = await (await f.app.request("/vendor/charts.js")).text();
    const at = ["Chart.js v4", "Hammer", "chartjs-plugin-zoom v2"].map((s) => bundle.indexOf(s));
    assert.ok(at.every((i, k) => i >= 0 && (k === 0 || i > at[k - 1])), JSON.stringify(at));
    assert.ok(!bundle.includes("sourceMappingURL"));
    assert.ok(bundle.length > chartText.length + 30000, String(bundle.length));
    // the zoom plugin and the hammerjs it pans with, pinned in deno.json, served the same way
    const zoom = await f.app.request("/vendor/chartjs-plugin-zoom.js");
    assert.equal(zoom.status, 200);
    assert.match(await zoom.text(), /chartjs-plugin-zoom v2\.2\.0/);
    const hammer = await f.app.request("/vendor/hammer.js");
    assert.equal(hammer.status, 200);
    assert.match(await hammer.text(), /Hammer/);
    const js = await f.app.request("/static/pages/run.js");
    assert.equal(js.status, 200);
    assert.match(js.headers.get("content-type") ?? "", /javascript/);
    await js.body?.cancel();
    await assertError(await f.app.request("/static/../app.ts"), 404);
    await assertError(await f.app.request("/static/%2e%2e/app.ts"), 404);
    await assertError(await f.app.request("/static/nope.js"), 404);
  } finally {
    await cleanup(f);
  }
});

Deno.test("catch-up summary: store groups folded per plugin equal a direct count of the records", () => {
  const dir = Deno.makeTempDirSync({ prefix: "layerlens-summary-" });
  const store = openStore(join(dir, "runs.db"));
  try {
    const runId = store.createRun({
      name: "s",
      config: {},
      seeds: [0],
      backend: "none",
      engine: "analyze",
      versions: {},
    });
    const rec = (plugin: string, metric: string, layer: string, epoch: number) => ({
      plugin,
      layer,
      epoch,
      seed: 0,
      index: 0,
      metric,
      value: 1,
    });
    store.appendResults(runId, [rec("p", "m1", "l2", 4), rec("p", "m2", "l10", 9)]);
    const half = store.queryResults(runId).at(-1)!.id;
    store.appendResults(runId, [
      rec("p", "m1", "l1", 1),
      rec("q", "z", "", 0),
      rec("p", "m1", "l1", 3),
    ]);
    const all = store.queryResults(runId);
    for (const after of [0, half]) {
      const got = summarizeResults(store.resultGroups(runId, after), after);
      const want = all.filter((r) => r.id > after);
      assert.equal(got.count, want.length);
      assert.equal(got.lastId, Math.max(...want.map((r) => r.id)));
      for (const plugin of new Set(want.map((r) => r.plugin))) {
        const mine = want.filter((r) => r.plugin === plugin);
        assert.deepEqual(got.plugins[plugin], {
          count: mine.length,
          metrics: [...new Set(mine.map((r) => r.metric))].sort(),
          layers: [...new Set(mine.map((r) => r.layer))]
            .sort((x, y) => x.localeCompare(y, undefined, { numeric: true })),
          epochMin: Math.min(...mine.map((r) => r.epoch)),
          epochMax: Math.max(...mine.map((r) => r.epoch)),
        });
      }
    }
    // hand-checked: every record
    const p = summarizeResults(store.resultGroups(runId), 0).plugins.p;
    assert.deepEqual(p, {
      count: 4,
      metrics: ["m1", "m2"],
      layers: ["l1", "l2", "l10"],
      epochMin: 1,
      epochMax: 9,
    });
    assert.deepEqual(summarizeResults(store.resultGroups(runId, all.at(-1)!.id), 7), {
      lastId: 7,
      count: 0,
      plugins: {},
    });
  } finally {
    store.close();
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("the default spawner runs the CLI and records a run that fails to start", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-spawn-" });
  const dbPath = join(dir, "runs.db");
  const store = openStore(dbPath);
  const spawner = createRunSpawner({ store, dbPath });
  try {
    const missing = join(dir, "no-such-data.npz");
    const config = `name: doomed\ndata: {name: file, path: ${missing}}\ntraining: {epochs: 2}\n` +
      `plugins: [{id: mi-binned}]\n`;
    await spawner.spawn(config, "doomed-1");
    const deadline = Date.now() + 60000;
    while (store.getRun("doomed-1")?.status !== "failed") {
      assert.ok(Date.now() < deadline, "the failed run was not recorded in time");
      await new Promise((r) => setTimeout(r, 200));
    }
    const row = store.getRun("doomed-1")!;
    assert.equal(row.name, "doomed");
    assert.match(row.error ?? "", /no-such-data\.npz/);
    assert.ok(!(row.error ?? "").includes("\u001b["), "no terminal colour codes");
    assert.equal(spawner.running(), 0);
  } finally {
    await spawner.stopAll();
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("GET /api/runs/:id/training: seed-mean curves and final values from the epoch rows", async () => {
  const f = await fixture();
  try {
    const t = await json(await f.app.request("/api/runs/run-a/training"));
    // 3 seeds x epochs 0..2, loss 0.7 - 0.1 e and accuracy 0.5 + 0.1 e for every seed
    assert.deepEqual(t.loss.series.map((s: { label: string }) => s.label), ["train"]);
    assert.deepEqual(t.loss.series[0].x, [0, 1, 2]);
    assert.deepEqual(t.loss.series[0].y, [0.7, 0.6, 0.5]);
    assert.deepEqual(t.loss.series[0].n, [3, 3, 3]);
    assert.deepEqual(t.final, {
      loss: 0.5,
      accuracy: 0.7,
      testLoss: null,
      testAccuracy: null,
      epoch: 2,
    });
    await assertError(await f.app.request("/api/runs/nope/training"), 404);
  } finally {
    await cleanup(f);
  }
});

Deno.test("rename, tag and delete a run: page token from this machine, checked bodies", async () => {
  const f = await fixture();
  try {
    const send = (
      method: string,
      path: string,
      body?: unknown,
      env = LOOPBACK,
      headers: Record<string, string> = {},
    ) =>
      f.app.request(`http://127.0.0.1/api/runs/${path}`, {
        method,
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: {
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
          "X-Lens-Token": PAGE_TOKEN,
          ...headers,
        },
      }, env);
    const renamed = await json(await send("POST", "run-a/rename", { name: "  better name " }));
    assert.deepEqual(renamed, { id: "run-a", name: "better name" });
    const tagged = await json(
      await send("POST", "run-a/tags", { tags: ["sweep:1", "base", "base"] }),
    );
    assert.deepEqual(tagged, { id: "run-a", tags: ["base", "sweep:1"] });
    const listed = (await json(await f.app.request("/api/runs"))).runs;
    assert.equal(listed[0].name, "better name");
    assert.deepEqual(listed[0].tags, ["base", "sweep:1"]);

    // bad bodies, other machines, other sites, no token: refused, nothing changed
    await assertError(await send("POST", "run-a/rename", { name: "" }), 400, "invalid run name");
    await assertError(await send("POST", "run-a/rename", { name: "x".repeat(201) }), 400);
    await assertError(await send("POST", "run-a/tags", { tags: ["no spaces"] }), 400, "tag");
    await assertError(await send("POST", "run-a/tags", { tags: "a" }), 400);
    await assertError(await send("POST", "run-a/rename", { name: "x" }, REMOTE), 403);
    await assertError(
      await send("POST", "run-a/rename", { name: "x" }, LOOPBACK, {
        Origin: "http://evil.example",
      }),
      403,
    );
    await assertError(
      await send("POST", "run-a/rename", { name: "x" }, LOOPBACK, { "X-Lens-Token": "wrong" }),
      401,
    );
    await assertError(await send("DELETE", "run-a", undefined, REMOTE), 403);
    await assertError(await send("POST", "nope/rename", { name: "x" }), 404);
    assert.equal((await json(await f.app.request("/api/runs/run-a"))).run.name, "better name");

    // a running run is not deleted; a finished one is, with its records
    await assertError(await send("DELETE", "run-a"), 409, "running");
    f.store.finishRun("run-a", "completed", {});
    assert.deepEqual(await json(await send("DELETE", "run-a")), { id: "run-a", deleted: true });
    await assertError(await f.app.request("/api/runs/run-a"), 404);
    assert.deepEqual(f.store.queryResults("run-a"), []);
    await assertError(await send("DELETE", "run-a"), 404);
  } finally {
    await cleanup(f);
  }
});

Deno.test("GET /api/runs/:id configYaml: snake_case YAML that POST /api/runs starts again", async () => {
  const f = await fixture();
  try {
    const config = parseConfig(
      GOOD_CONFIG.replace("training: {epochs: 3}", "training: {epochs: 3, batch_size: 64}"),
      "test",
    );
    f.store.createRun({
      id: "run-y",
      name: config.name,
      config,
      seeds: config.seeds,
      backend: "js",
      engine: "fused",
      versions: {},
    });
    const info = await json(await f.app.request("/api/runs/run-y"));
    assert.match(info.configYaml, /batch_size: 64/);
    assert.doesNotMatch(info.configYaml, /batchSize/);
    assert.deepEqual(parseConfig(info.configYaml, "round trip"), config);
    // clone, edit, start: the page posts the YAML it showed, edited
    const res = await f.app.request("/api/runs", {
      method: "POST",
      body: info.configYaml.replace("name: posted", "name: posted copy"),
      headers: PAGE_HEADERS,
    }, LOOPBACK);
    assert.equal(res.status, 202, JSON.stringify(await res.clone().json()));
    assert.match(f.spawned[f.spawned.length - 1][0], /posted copy/);
    // a run of another shape (imported by lens analyze) has none
    f.store.createRun({
      id: "run-i",
      name: "imported",
      config: { name: "imported", analyze: { kind: "activations" }, plugins: [] },
      seeds: [0],
      backend: "js",
      engine: "analyze",
      versions: {},
    });
    assert.equal((await json(await f.app.request("/api/runs/run-i"))).configYaml, null);
  } finally {
    await cleanup(f);
  }
});

Deno.test("GET chart ?per_seed=1: one line per seed and layer, the values of that seed", async () => {
  const f = await fixture();
  try {
    const d = await json(
      await f.app.request("/api/runs/run-a/chart/test-plane/metric:ixt?per_seed=1"),
    );
    assert.equal(d.series.length, LAYERS.length * SEEDS.length);
    const s = d.series.find((x: { layer: string; seed: number }) =>
      x.layer === "dense_2" && x.seed === 2
    );
    assert.deepEqual(s.x, EPOCHS);
    assert.deepEqual(s.y, EPOCHS.map((e) => ixtOf(1, e, 2)));
    const mean = await json(await f.app.request("/api/runs/run-a/chart/test-plane/metric:ixt"));
    assert.equal(mean.series.length, LAYERS.length);
    await assertError(
      await f.app.request("/api/runs/run-a/chart/test-plane/metric:ixt?per_seed=yes"),
      400,
      "per_seed",
    );
  } finally {
    await cleanup(f);
  }
});
