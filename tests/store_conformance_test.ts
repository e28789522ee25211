/**
 * One conformance suite for both run-store backends: every case runs
 * against a fresh SQLite file and a fresh database on a private PostgreSQL
 * server (tests/services.ts), through the same entry point the commands use
 * (openStoreAt). Expected values come from the records the test wrote, not
 * from either backend.
 */
import { clearSeeds } from "../core/queue/seed_rows.ts";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { LensError } from "../core/errors.ts";
import { copyRuns } from "../core/store/copy_runs.ts";
import { openStoreAt } from "../core/store_open.ts";
import type { LayerParams, ResultRecord, Store } from "../core/types.ts";
import { PG_BIN, postgresAvailable, type Service, startPostgres } from "./services.ts";

/** A backend under test: hands out fresh, empty stores. */
interface Backend {
  name: string;
  /** A target (path or URL) where no store exists yet. */
  fresh(): Promise<string>;
  stop(): Promise<void>;
}

async function sqliteBackend(): Promise<Backend> {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-conf-" });
  let n = 0;
  return {
    name: "sqlite",
    fresh: () => Promise.resolve(`${dir}/s${++n}.db`),
    stop: () => Deno.remove(dir, { recursive: true }),
  };
}

async function postgresBackend(): Promise<Backend> {
  const pg: Service = await startPostgres();
  let n = 0;
  return {
    name: "postgres",
    async fresh() {
      const name = `conf${++n}`;
      const out = await new Deno.Command(`${PG_BIN}/createdb`, {
        args: ["-h", "127.0.0.1", "-p", String(pg.port), "-U", "postgres", name],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      return `postgres://postgres@127.0.0.1:${pg.port}/${name}`;
    },
    stop: () => pg.stop(),
  };
}

const INIT = {
  name: "conformance",
  config: { training: { epochs: 5 }, nested: { list: [1, 2.5, "x"] } },
  seeds: [0, 1],
  backend: "wasm",
  engine: "fused",
  versions: { layerlens: "test" },
};

/** 2 plugins x 2 layers x 5 epochs x 2 seeds x 2 metrics = 80 records with distinct values. */
function sampleRecords(): ResultRecord[] {
  const out: ResultRecord[] = [];
  for (const plugin of ["mi-binned", "norms"]) {
    for (const layer of ["dense_1", "dense_2"]) {
      for (let epoch = 0; epoch < 5; epoch++) {
        for (const seed of [0, 1]) {
          for (const metric of ["ixt", "ity"]) {
            out.push({
              plugin,
              layer,
              epoch,
              seed,
              index: 0,
              metric,
              value: out.length * 0.1 + 1 / 3,
            });
          }
        }
      }
    }
  }
  return out;
}

/** Records without ids, for comparing with what was written. */
const bare = (rs: (ResultRecord & { id: number })[]) =>
  rs.map(({ id: _id, ...r }) => r as ResultRecord);

const CASES: Record<string, (target: string) => Promise<void> | void> = {
  "create, list and get runs; ids checked": (target) => {
    const s = openStoreAt(target);
    try {
      s.createRun({ ...INIT, id: "a-run" });
      const b = s.createRun({ ...INIT, name: "second" });
      assert.match(b, /^\d{8}-\d{4}-[0-9a-f]{4}$/);
      const runs = s.listRuns();
      assert.equal(runs.length, 2);
      const a = s.getRun("a-run")!;
      assert.equal(a.status, "running");
      assert.deepEqual(a.config, INIT.config);
      assert.deepEqual(a.seeds, [0, 1]);
      assert.equal(a.backend, "wasm");
      assert.equal(a.engine, "fused");
      assert.deepEqual(a.versions, { layerlens: "test" });
      assert.equal(a.finishedAt, null);
      assert.equal(s.getRun("missing"), undefined);
      assert.deepEqual(s.writer!("a-run"), { pid: Deno.pid, host: s.writer!("a-run")!.host });
      assert.throws(() => s.createRun({ ...INIT, id: "a-run" }), /already exists/);
      assert.throws(() => s.createRun({ ...INIT, id: "bad id!" }), /not a valid id/);
    } finally {
      s.close();
    }
  },

  "append and query records with every filter": (target) => {
    const s = openStoreAt(target);
    try {
      const id = s.createRun(INIT);
      const recs = sampleRecords();
      s.appendResults(id, recs.slice(0, 50));
      s.appendResults(id, recs.slice(50));
      s.appendResults(id, []);
      const all = s.queryResults(id);
      assert.deepEqual(bare(all), recs);
      for (let i = 1; i < all.length; i++) assert.ok(all[i].id > all[i - 1].id);
      const cases: [Parameters<Store["queryResults"]>[1], (r: ResultRecord) => boolean][] = [
        [{ plugin: "norms" }, (r) => r.plugin === "norms"],
        [{ layer: "dense_2" }, (r) => r.layer === "dense_2"],
        [{ metric: "ity" }, (r) => r.metric === "ity"],
        [{ metric: ["ity", "ixt"] }, () => true],
        [{ metric: [] }, () => false],
        [{ seed: 1 }, (r) => r.seed === 1],
        [{ epochMin: 2, epochMax: 3 }, (r) => r.epoch >= 2 && r.epoch <= 3],
        [
          { plugin: "mi-binned", layer: "dense_1", metric: "ixt", seed: 0 },
          (r) =>
            r.plugin === "mi-binned" && r.layer === "dense_1" && r.metric === "ixt" &&
            r.seed === 0,
        ],
      ];
      for (const [filter, keep] of cases) {
        assert.deepEqual(
          bare(s.queryResults(id, filter)),
          recs.filter(keep),
          JSON.stringify(filter),
        );
      }
      // paging by afterId + limit walks every record once
      const pages: ResultRecord[] = [];
      let after = 0;
      for (;;) {
        const page = s.queryResults(id, { afterId: after, limit: 30 });
        if (!page.length) break;
        assert.ok(page.length <= 30);
        pages.push(...bare(page));
        after = page[page.length - 1].id;
      }
      assert.deepEqual(pages, recs);
      // NaN and signed values come back as written
      s.appendResults(id, [{ ...recs[0], epoch: 9, value: NaN }, {
        ...recs[0],
        epoch: 10,
        value: -1e-300,
      }]);
      const tail = s.queryResults(id, { epochMin: 9 });
      assert.ok(Number.isNaN(tail[0].value));
      assert.equal(tail[1].value, -1e-300);
      // another run's records are not mixed in
      const other = s.createRun(INIT);
      assert.deepEqual(s.queryResults(other), []);
    } finally {
      s.close();
    }
  },

  "resultGroups counts per (plugin, metric, layer) in the database": (target) => {
    const s = openStoreAt(target);
    try {
      const id = s.createRun(INIT);
      const recs = sampleRecords();
      s.appendResults(id, recs);
      const rows = s.queryResults(id);
      const groups = s.resultGroups(id).sort((a, b) =>
        `${a.plugin}/${a.metric}/${a.layer}`.localeCompare(`${b.plugin}/${b.metric}/${b.layer}`)
      );
      assert.equal(groups.length, 8);
      for (const g of groups) {
        const mine = rows.filter((r) =>
          r.plugin === g.plugin && r.metric === g.metric && r.layer === g.layer
        );
        assert.equal(g.count, 10);
        assert.equal(g.count, mine.length);
        assert.equal(g.epochMin, 0);
        assert.equal(g.epochMax, 4);
        assert.equal(g.lastId, Math.max(...mine.map((r) => r.id)));
      }
      const cut = rows[59].id;
      const later = s.resultGroups(id, cut);
      assert.equal(later.reduce((a, g) => a + g.count, 0), 20);
      assert.deepEqual(s.resultGroups(id, rows[rows.length - 1].id), []);
    } finally {
      s.close();
    }
  },

  "epochsSince and progress": (target) => {
    const s = openStoreAt(target);
    try {
      const id = s.createRun(INIT);
      for (let epoch = 0; epoch < 3; epoch++) {
        for (const seed of [0, 1]) {
          s.recordEpoch(
            id,
            {
              seed,
              epoch,
              loss: 1 / (epoch + 1) + seed,
              accuracy: 0.25 * epoch,
              testLoss: seed === 1 ? 2 + epoch : undefined,
              testAccuracy: seed === 1 ? 0.5 : undefined,
            } as Parameters<Store["recordEpoch"]>[1],
          );
        }
      }
      const all = s.epochsSince(id, 0);
      assert.equal(all.length, 6);
      assert.deepEqual(all.map((e) => [e.seed, e.epoch]), [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
        [0, 2],
        [1, 2],
      ]);
      assert.equal(all[5].loss, 1 / 3 + 1);
      assert.equal(all[4].testLoss, null);
      assert.equal(all[5].testLoss, 4);
      assert.equal(all[5].testAccuracy, 0.5);
      assert.deepEqual(s.epochsSince(id, all[3].id).map((e) => e.id), [all[4].id, all[5].id]);
      assert.deepEqual(s.getRun(id)!.progress, [
        { seed: 0, epoch: 2, loss: 1 / 3, accuracy: 0.5 },
        { seed: 1, epoch: 2, loss: 1 / 3 + 1, accuracy: 0.5 },
      ]);
    } finally {
      s.close();
    }
  },

  "plugin errors and finishRun": (target) => {
    const s = openStoreAt(target);
    try {
      const id = s.createRun(INIT);
      s.recordPluginError(id, "kde", "bandwidth must be > 0");
      s.recordPluginError(id, "norms", "second ’ unicode");
      s.finishRun(id, "failed", { total_s: 1.25, train_s: 0.5 }, "it broke");
      const run = s.getRun(id)!;
      assert.equal(run.status, "failed");
      assert.deepEqual(run.timings, { total_s: 1.25, train_s: 0.5 });
      assert.equal(run.error, "it broke");
      assert.ok(run.finishedAt && !Number.isNaN(Date.parse(run.finishedAt)));
      assert.deepEqual(run.pluginErrors, [
        { plugin: "kde", message: "bandwidth must be > 0" },
        { plugin: "norms", message: "second ’ unicode" },
      ]);
      const ok = s.createRun(INIT);
      s.finishRun(ok, "completed", { total_s: 2 });
      assert.equal(s.getRun(ok)!.status, "completed");
      assert.equal(s.getRun(ok)!.error, null);
      assert.throws(
        () => s.finishRun("nope", "completed", {}),
        (e) => e instanceof LensError && e.code === "not_found",
      );
    } finally {
      s.close();
    }
  },

  "models round trip float32 exactly": (target) => {
    const s = openStoreAt(target);
    try {
      const id = s.createRun(INIT);
      const kernel = new Float32Array([0.1, -0, 1e-45, 3.4028234663852886e38, -2.5, 1 / 3]);
      const params: LayerParams[] = [
        { name: "dense_1", kernelShape: [2, 3], kernel, bias: new Float32Array([0.7, -0.7, 1e-7]) },
        {
          name: "out",
          kernelShape: [3, 1],
          kernel: new Float32Array([1, 2, 3]),
          bias: new Float32Array([9]),
        },
      ];
      s.saveModel(id, 1, params);
      s.saveModel(id, 0, [params[1]]);
      assert.deepEqual(s.modelSeeds(id), [0, 1]);
      const back = s.loadModel(id, 1)!;
      assert.equal(back.length, 2);
      assert.equal(back[0].name, "dense_1");
      assert.deepEqual(back[0].kernelShape, [2, 3]);
      const bits = (a: Float32Array) =>
        Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
      assert.deepEqual(bits(back[0].kernel), bits(kernel));
      assert.deepEqual(bits(back[0].bias), bits(params[0].bias));
      assert.deepEqual(Array.from(back[1].kernel), [1, 2, 3]);
      // a save replaces what the seed had; a bad one changes nothing
      s.saveModel(id, 1, [params[1]]);
      assert.equal(s.loadModel(id, 1)!.length, 1);
      assert.throws(
        () => s.saveModel(id, 1, [{ ...params[1], kernel: new Float32Array(2) }]),
        /parameters 0/,
      );
      assert.equal(s.loadModel(id, 1)!.length, 1);
      assert.equal(s.loadModel(id, 7), undefined);
    } finally {
      s.close();
    }
  },

  "clearing a seed (a retried queue job) removes its rows only": (target) => {
    const s = openStoreAt(target);
    try {
      const id = s.createRun(INIT);
      s.appendResults(id, sampleRecords());
      for (const seed of [0, 1]) {
        s.recordEpoch(id, { seed, epoch: 0, sampled: true, loss: 0.5, accuracy: 0.5 });
        s.saveModel(id, seed, [{
          name: "out",
          kernelShape: [1, 1],
          kernel: new Float32Array([seed]),
          bias: new Float32Array([0]),
        }]);
      }
      clearSeeds(s, id, [1]);
      const left = s.queryResults(id);
      assert.equal(left.length, sampleRecords().length / 2);
      assert.ok(left.every((r) => r.seed === 0));
      assert.deepEqual(s.epochsSince(id, 0).map((e) => e.seed), [0]);
      assert.deepEqual(s.modelSeeds(id), [0]);
    } finally {
      s.close();
    }
  },
  "rename, tags and delete (dashboard run control)": (target) => {
    const s = openStoreAt(target);
    try {
      const a = s.createRun({ ...INIT, id: "a" });
      const b = s.createRun({ ...INIT, id: "b" });
      for (const id of [a, b]) {
        s.appendResults(id, sampleRecords().slice(0, 2));
        s.recordEpoch(id, { seed: 0, epoch: 0, sampled: true, loss: 1, accuracy: 0.5 });
      }
      assert.deepEqual(s.runTags!(a), []);
      s.renameRun!(a, "renamed");
      assert.equal(s.getRun(a)!.name, "renamed");
      s.setRunTags!(a, ["sweep-1", "baseline", "baseline"]);
      s.setRunTags!(b, ["other"]);
      assert.deepEqual(s.runTags!(a), ["baseline", "sweep-1"]);
      s.deleteRun!(a);
      assert.equal(s.getRun(a), undefined);
      assert.deepEqual(s.queryResults(a), []);
      assert.deepEqual(s.epochsSince(a, 0), []);
      assert.deepEqual(s.runTags!(a), []);
      assert.equal(s.queryResults(b).length, 2);
      assert.deepEqual(s.runTags!(b), ["other"]);
      assert.throws(() => s.renameRun!("nope", "x"), /nope/);
    } finally {
      s.close();
    }
  },
  "a batch with a bad record stores nothing": (target) => {
    const s = openStoreAt(target);
    try {
      const id = s.createRun(INIT);
      const recs = sampleRecords();
      s.appendResults(id, recs.slice(0, 10));
      const bad = recs.slice(10);
      (bad[47] as unknown as Record<string, unknown>).metric = 3; // after the first chunks
      assert.throws(() => s.appendResults(id, bad), /record 47 is not a result record/);
      assert.deepEqual(bare(s.queryResults(id)), recs.slice(0, 10));
    } finally {
      s.close();
    }
  },

  "importRun copies a run whole, id kept, once": (target) => {
    const src = openStoreAt(`${Deno.makeTempDirSync({ prefix: "layerlens-src-" })}/src.db`);
    const s = openStoreAt(target);
    try {
      const id = src.createRun({ ...INIT, id: "offline-1" });
      src.appendResults(id, sampleRecords());
      src.recordEpoch(
        id,
        { seed: 0, epoch: 0, loss: 0.5, accuracy: 0.75 } as Parameters<
          Store["recordEpoch"]
        >[1],
      );
      src.recordPluginError(id, "kde", "oops");
      const kernel = new Float32Array([0.1, 0.2]);
      src.saveModel(id, 3, [{
        name: "d",
        kernelShape: [2, 1],
        kernel,
        bias: new Float32Array([1]),
      }]);
      src.finishRun(id, "completed", { total_s: 3 });
      const running = src.createRun({ ...INIT, id: "offline-2" });
      const report = copyRuns(src, s);
      assert.deepEqual(report, { copied: ["offline-1"], present: [], running: [running] });
      const a = src.getRun(id)!;
      const b = s.getRun(id)!;
      assert.deepEqual(b, a);
      assert.deepEqual(bare(s.queryResults(id)), sampleRecords());
      assert.deepEqual(
        s.epochsSince(id, 0).map(({ id: _i, ...e }) => e),
        src.epochsSince(id, 0).map(({ id: _i, ...e }) => e),
      );
      assert.deepEqual(Array.from(s.loadModel(id, 3)![0].kernel), Array.from(kernel));
      assert.deepEqual(copyRuns(src, s), {
        copied: [],
        present: ["offline-1"],
        running: [running],
      });
      assert.equal(s.queryResults(id).length, sampleRecords().length, "nothing doubled");
    } finally {
      s.close();
      src.close();
      Deno.removeSync(src.path.replace(/\/src\.db$/, ""), { recursive: true });
    }
  },

  "read-only opening of a store that does not exist is not_found": (target) => {
    assert.throws(
      () => openStoreAt(target, { readOnly: true }),
      (e) => e instanceof LensError && e.code === "not_found",
    );
  },

  "a run whose writer died reads as interrupted; a live one as running": async (target) => {
    const script = await Deno.makeTempFile({ suffix: ".ts" });
    const storeModule = new URL("../core/store_open.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { openStoreAt } from ${JSON.stringify(storeModule)};\n` +
        `const s = openStoreAt(Deno.args[0]);\n` +
        `s.createRun({ name: "doomed", config: {}, seeds: [0], backend: "wasm", engine: "fused", ` +
        `versions: {}, id: "doomed" });\n` +
        `s.appendResults("doomed", [{ plugin: "p", layer: "l", epoch: 0, seed: 0, index: 0, ` +
        `metric: "m", value: 1 }]);\n` +
        `console.log("ready");\n` +
        `setInterval(() => {}, 1000);\n`,
    );
    const live = openStoreAt(target);
    const mine = live.createRun(INIT);
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--config",
        fileURLToPath(new URL("../deno.json", import.meta.url)),
        script,
        target,
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      while (!out.includes("ready")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`writer ended early: ${out}`);
        out += value;
      }
      const reading = openStoreAt(target, { readOnly: true });
      try {
        assert.equal(reading.getRun("doomed")!.status, "running");
        child.kill("SIGKILL");
        await child.status;
        reader.releaseLock();
        await child.stdout.cancel().catch(() => {});
        // PostgreSQL ends the killed client's session when its socket closes
        let run = reading.getRun("doomed")!;
        for (let i = 0; i < 100 && run.status === "running"; i++) {
          await new Promise((r) => setTimeout(r, 50));
          run = reading.getRun("doomed")!;
        }
        assert.equal(run.status, "interrupted");
        assert.match(run.error!, /ended/);
        assert.equal(reading.queryResults("doomed").length, 1, "what it wrote is kept");
        assert.equal(reading.getRun(mine)!.status, "running");
      } finally {
        reading.close();
      }
      // a writer opening the store marks it for good
      openStoreAt(target).close();
      const again = openStoreAt(target, { readOnly: true });
      try {
        assert.equal(again.getRun("doomed")!.status, "interrupted");
        assert.equal(again.getRun(mine)!.status, "running");
      } finally {
        again.close();
      }
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // already gone
      }
      await child.status;
      await child.stderr.cancel().catch(() => {});
      live.close();
      await Deno.remove(script);
    }
  },
};

for (
  const [name, make, available] of [
    ["sqlite", sqliteBackend, true],
    ["postgres", postgresBackend, postgresAvailable()],
  ] as const
) {
  Deno.test({
    name: `store conformance (${name})`,
    ignore: !available,
    async fn(t) {
      const backend = await make();
      try {
        for (const [caseName, body] of Object.entries(CASES)) {
          await t.step(caseName, async () => await body(await backend.fresh()));
        }
      } finally {
        await backend.stop();
      }
    },
  });
}
