/**
 * The SQLite run store: runs and records round-trip unchanged (NaN and
 * infinities included), every filter selects what a plain JS filter
 * selects, a failing append writes nothing, runs whose writer died are
 * marked interrupted on open (live and foreign-host writers are left
 * alone), reopening keeps everything, and a second connection reads while
 * the first writes.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { LensError } from "../core/errors.ts";
import { newRunId, openStore, processAlive } from "../core/store.ts";
import { APPLICATION_ID, SCHEMA_VERSION } from "../core/store_file.ts";
import { existsSync } from "node:fs";
import type { ResultFilter, ResultRecord, Store } from "../core/types.ts";

async function tempDb(): Promise<{ dir: string; path: string }> {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-store-" });
  return { dir, path: join(dir, "runs.db") };
}

const RUN = {
  name: "store test",
  config: { name: "store test", training: { epochs: 3 } },
  seeds: [0, 1],
  backend: "js (fused-mlp); tfjs wasm",
  engine: "fused",
  versions: { layerlens: "0.1.0", deno: "2.9.5" },
};

/** Records over plugins x layers x epochs x seeds x metrics, values distinct and checkable. */
function makeRecords(): ResultRecord[] {
  const out: ResultRecord[] = [];
  for (const plugin of ["mi-binned", "mi-kde"]) {
    for (const layer of ["dense_1", "dense_2", "output"]) {
      for (let epoch = 0; epoch < 6; epoch++) {
        for (const seed of [0, 1, -1]) {
          for (const metric of ["ixt", "ity"]) {
            const value = epoch * 1000 + seed * 10 + layer.length + (metric === "ixt" ? 0.5 : 0.25);
            out.push({ plugin, layer, epoch, seed, index: epoch % 2, metric, value });
          }
        }
      }
    }
  }
  return out;
}

const strip = (rows: (ResultRecord & { id: number })[]): ResultRecord[] =>
  rows.map(({ id: _id, ...r }) => r);

Deno.test("runs and records round-trip", async () => {
  const { dir, path } = await tempDb();
  const store = openStore(path);
  try {
    assert.equal(store.path, path);
    const id = store.createRun(RUN);
    assert.match(id, /^\d{8}-\d{4}-[0-9a-f]{4}$/);
    const fresh = store.getRun(id)!;
    assert.equal(fresh.status, "running");
    assert.deepEqual(fresh.config, RUN.config);
    assert.deepEqual(fresh.seeds, RUN.seeds);
    assert.deepEqual(fresh.versions, RUN.versions);
    assert.equal(fresh.backend, RUN.backend);
    assert.equal(fresh.engine, "fused");
    assert.equal(fresh.finishedAt, null);
    assert.equal(fresh.error, null);
    assert.deepEqual(fresh.timings, {});
    assert.ok(Math.abs(Date.parse(fresh.createdAt) - Date.now()) < 60_000);

    const records = makeRecords();
    store.appendResults(id, records.slice(0, 100));
    store.appendResults(id, records.slice(100));
    store.appendResults(id, []);
    const back = store.queryResults(id);
    assert.deepEqual(strip(back), records);
    for (let i = 1; i < back.length; i++) assert.ok(back[i].id > back[i - 1].id);

    store.recordEpoch(id, { seed: 0, epoch: 0, sampled: true, loss: 0.7, accuracy: 0.5 });
    store.recordEpoch(id, {
      seed: 1,
      epoch: 0,
      sampled: true,
      loss: 0.69,
      accuracy: 0.52,
      testLoss: 0.71,
      testAccuracy: 0.49,
    });
    store.recordEpoch(id, { seed: 0, epoch: 1, sampled: false, loss: 0.6, accuracy: 0.6 });
    const epochs = store.epochsSince(id, 0);
    assert.deepEqual(epochs.map(({ id: _i, ...e }) => e), [
      { seed: 0, epoch: 0, loss: 0.7, accuracy: 0.5, testLoss: null, testAccuracy: null },
      { seed: 1, epoch: 0, loss: 0.69, accuracy: 0.52, testLoss: 0.71, testAccuracy: 0.49 },
      { seed: 0, epoch: 1, loss: 0.6, accuracy: 0.6, testLoss: null, testAccuracy: null },
    ]);
    assert.deepEqual(store.epochsSince(id, epochs[1].id).map((e) => e.epoch), [1]);
    assert.deepEqual(store.getRun(id)!.progress, [
      { seed: 0, epoch: 1, loss: 0.6, accuracy: 0.6 },
      { seed: 1, epoch: 0, loss: 0.69, accuracy: 0.52 },
    ]);

    store.recordPluginError(id, "mi-kde", "boom");
    store.finishRun(id, "completed", { total_s: 1.25, "plugin:mi-kde_s": 0.5 });
    const done = store.getRun(id)!;
    assert.equal(done.status, "completed");
    assert.deepEqual(done.timings, { total_s: 1.25, "plugin:mi-kde_s": 0.5 });
    assert.deepEqual(done.pluginErrors, [{ plugin: "mi-kde", message: "boom" }]);
    assert.ok(done.finishedAt !== null);

    const failed = store.createRun({ ...RUN, name: "second" });
    store.finishRun(failed, "failed", {}, "training diverged");
    assert.equal(store.getRun(failed)!.error, "training diverged");
    // newest first; records of one run do not leak into another
    assert.deepEqual(store.listRuns().map((r) => r.id).sort(), [id, failed].sort());
    assert.equal(store.queryResults(failed).length, 0);
    assert.equal(store.getRun("nope"), undefined);
    assert.throws(() => store.finishRun("nope", "completed", {}), LensError);
  } finally {
    store.close();
    store.close(); // idempotent
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("NaN and infinite values survive the store", async () => {
  const { dir, path } = await tempDb();
  const store = openStore(path);
  try {
    const id = store.createRun(RUN);
    const base = { plugin: "p", layer: "l", epoch: 0, seed: 0, index: 0, metric: "m" };
    store.appendResults(id, [
      { ...base, value: NaN },
      { ...base, value: Infinity },
      { ...base, value: -Infinity },
      { ...base, value: 5e-324 },
    ]);
    const v = store.queryResults(id).map((r) => r.value);
    assert.ok(Number.isNaN(v[0]));
    assert.deepEqual(v.slice(1), [Infinity, -Infinity, 5e-324]);
    store.recordEpoch(id, { seed: 0, epoch: 0, sampled: false, loss: NaN, accuracy: 1 });
    assert.ok(Number.isNaN(store.epochsSince(id, 0)[0].loss));
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every filter selects what a plain filter over the records selects", async () => {
  const { dir, path } = await tempDb();
  const store = openStore(path);
  try {
    const id = store.createRun(RUN);
    const records = makeRecords();
    store.appendResults(id, records);
    const all = store.queryResults(id);
    const filters: ResultFilter[] = [
      {},
      { plugin: "mi-kde" },
      { layer: "output" },
      { metric: "ixt" },
      { metric: ["ixt", "ity"] },
      { metric: [] },
      { seed: -1 },
      { seed: 1, plugin: "mi-binned", layer: "dense_2" },
      { epochMin: 2 },
      { epochMax: 3 },
      { epochMin: 2, epochMax: 3, metric: "ity" },
      { afterId: all[100].id },
      { afterId: all[all.length - 1].id },
      { plugin: "absent" },
    ];
    for (const f of filters) {
      const metrics = f.metric === undefined ? undefined : [f.metric].flat();
      const expected = all.filter((r) =>
        (f.plugin === undefined || r.plugin === f.plugin) &&
        (f.layer === undefined || r.layer === f.layer) &&
        (metrics === undefined || metrics.includes(r.metric)) &&
        (f.seed === undefined || r.seed === f.seed) &&
        (f.epochMin === undefined || r.epoch >= f.epochMin) &&
        (f.epochMax === undefined || r.epoch <= f.epochMax) &&
        (f.afterId === undefined || r.id > f.afterId)
      );
      assert.deepEqual(store.queryResults(id, f), expected, JSON.stringify(f));
    }
    assert.equal(store.queryResults(id, { plugin: "mi-kde", metric: "ixt" }).length, 3 * 6 * 3);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an append that fails part-way writes nothing", async () => {
  const { dir, path } = await tempDb();
  const store = openStore(path);
  try {
    const id = store.createRun(RUN);
    const records = makeRecords();
    store.appendResults(id, records.slice(0, 10));
    // bad records inside the multi-row part, in the tail, and one SQLite itself refuses
    for (const at of [70, records.length - 3]) {
      const batch = records.slice();
      batch[at] = { ...batch[at], layer: undefined as unknown as string };
      assert.throws(
        () => store.appendResults(id, batch),
        (e: unknown) => e instanceof LensError && e.field === `records[${at}]`,
      );
      assert.equal(store.queryResults(id).length, 10, `bad record ${at}`);
    }
    const huge = records.slice(0, 40);
    huge[35] = { ...huge[35], value: "1.5" as unknown as number };
    assert.throws(() => store.appendResults(id, huge), LensError);
    assert.equal(store.queryResults(id).length, 10);
    // the store still works afterwards
    store.appendResults(id, records.slice(10, 20));
    assert.deepEqual(strip(store.queryResults(id)), records.slice(0, 20));
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("100k records append and read back", async () => {
  const { dir, path } = await tempDb();
  const store = openStore(path);
  try {
    const id = store.createRun(RUN);
    const n = 100_003; // not a multiple of the insert chunk
    const records: ResultRecord[] = new Array(n);
    for (let i = 0; i < n; i++) {
      records[i] = {
        plugin: "mi-binned",
        layer: `dense_${i % 6}`,
        epoch: Math.floor(i / 36),
        seed: i % 3,
        index: 0,
        metric: i % 2 ? "ixt" : "ity",
        value: i / 7,
      };
    }
    const t0 = performance.now();
    store.appendResults(id, records);
    const t1 = performance.now();
    const back = store.queryResults(id);
    const t2 = performance.now();
    console.log(
      `100k records: append ${(t1 - t0).toFixed(0)} ms, read ${(t2 - t1).toFixed(0)} ms`,
    );
    assert.equal(back.length, n);
    for (const i of [0, 31, 32, 63, 64, 99_999, 100_000, n - 1]) {
      assert.deepEqual(strip([back[i]])[0], records[i], `record ${i}`);
    }
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** Pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

function setWriter(path: string, runId: string, pid: number, host?: string): void {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA busy_timeout = 5000");
  if (host === undefined) db.prepare("UPDATE runs SET pid = ? WHERE id = ?").run(pid, runId);
  else db.prepare("UPDATE runs SET pid = ?, host = ? WHERE id = ?").run(pid, host, runId);
  db.close();
}

Deno.test("runs whose writer died are marked interrupted on open; their records stay", async () => {
  const { dir, path } = await tempDb();
  const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
  try {
    const store = openStore(path);
    const dead = store.createRun({ ...RUN, name: "dead writer" });
    const alive = store.createRun({ ...RUN, name: "live writer" });
    const foreign = store.createRun({ ...RUN, name: "other host" });
    const finished = store.createRun({ ...RUN, name: "finished" });
    const records = makeRecords().slice(0, 50);
    store.appendResults(dead, records);
    store.recordEpoch(dead, { seed: 0, epoch: 4, sampled: false, loss: 0.3, accuracy: 0.9 });
    store.finishRun(finished, "completed", { total_s: 1 });
    store.close();

    const gone = await deadPid();
    assert.equal(processAlive(gone), false);
    assert.equal(processAlive(sleeper.pid), true);
    assert.equal(processAlive(Deno.pid), true);
    setWriter(path, dead, gone);
    setWriter(path, alive, sleeper.pid);
    setWriter(path, foreign, gone, "some-other-machine");
    setWriter(path, finished, gone);

    const reopened = openStore(path);
    try {
      const d = reopened.getRun(dead)!;
      assert.equal(d.status, "interrupted");
      assert.match(d.error!, new RegExp(`pid ${gone}`));
      assert.ok(d.finishedAt !== null);
      assert.deepEqual(strip(reopened.queryResults(dead)), records);
      assert.deepEqual(d.progress, [{ seed: 0, epoch: 4, loss: 0.3, accuracy: 0.9 }]);
      assert.equal(reopened.getRun(alive)!.status, "running");
      assert.equal(reopened.getRun(foreign)!.status, "running");
      assert.equal(reopened.getRun(finished)!.status, "completed");
      assert.equal(reopened.getRun(finished)!.error, null);
    } finally {
      reopened.close();
    }
  } finally {
    sleeper.kill("SIGKILL");
    await sleeper.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("reopening keeps everything; a second connection reads while one writes", async () => {
  const { dir, path } = await tempDb();
  let writer: Store | undefined;
  let reader: Store | undefined;
  try {
    writer = openStore(path);
    const id = writer.createRun(RUN);
    const records = makeRecords();
    writer.appendResults(id, records.slice(0, 30));
    reader = openStore(path);
    assert.equal(reader.getRun(id)!.status, "running", "a live writer is not interrupted");
    assert.equal(reader.queryResults(id).length, 30);
    const last = reader.queryResults(id).at(-1)!.id;
    writer.appendResults(id, records.slice(30, 45));
    assert.deepEqual(strip(reader.queryResults(id, { afterId: last })), records.slice(30, 45));
    writer.finishRun(id, "completed", { total_s: 2 });
    assert.equal(reader.getRun(id)!.status, "completed");
    writer.close();
    reader.close();
    writer = openStore(path);
    assert.deepEqual(strip(writer.queryResults(id)), records.slice(0, 45));
    assert.deepEqual(writer.getRun(id)!.timings, { total_s: 2 });
    const mode = new DatabaseSync(path).prepare("PRAGMA journal_mode").get() as {
      journal_mode: string;
    };
    assert.equal(mode.journal_mode, "wal");
  } finally {
    writer?.close();
    reader?.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("run ids: generated ones are sortable and distinct; chosen ones are checked", async () => {
  assert.equal(newRunId(new Date("2026-11-24T01:53:07Z")).slice(0, 13), "20261124-0153");
  const ids = new Set(Array.from({ length: 200 }, () => newRunId()));
  assert.ok(ids.size > 190, "random suffixes rarely collide");
  assert.ok(
    newRunId(new Date("2026-01-02T00:00:00Z")) < newRunId(new Date("2026-01-02T00:01:00Z")),
  );
  const { dir, path } = await tempDb();
  const store = openStore(path);
  try {
    assert.equal(store.createRun({ ...RUN, id: "my-run_1.a" }), "my-run_1.a");
    assert.throws(() => store.createRun({ ...RUN, id: "my-run_1.a" }), /already exists/);
    assert.throws(() => store.createRun({ ...RUN, id: "../etc" }), /not a valid id/);
    assert.throws(() => store.createRun({ ...RUN, id: "" }), /not a valid id/);
    // many generated ids in the same minute stay unique in one store
    const made = new Set(Array.from({ length: 50 }, () => store.createRun(RUN)));
    assert.equal(made.size, 50);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file that is not a database is refused with its path", async () => {
  const { dir, path } = await tempDb();
  try {
    await Deno.writeTextFile(path, "this is not sqlite ".repeat(100));
    assert.throws(
      () => openStore(path),
      (e: unknown) =>
        e instanceof LensError && e.file === path &&
        /damaged: it is not a SQLite database/.test(e.message),
    );
    assert.equal(await Deno.readTextFile(path), "this is not sqlite ".repeat(100));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** A new store at `path` holding one run; returns the run's id. */
function storeWithRun(path: string): string {
  const store = openStore(path);
  const id = store.createRun(RUN);
  store.close();
  return id;
}

/** The integer value of `PRAGMA name` in `db`. */
function pragma(db: DatabaseSync, name: string): number {
  return Number((db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[name]);
}

/** Asserts that opening `path` (read-only or not) throws a store error matching `re`, file unchanged. */
function refusedUntouched(path: string, re: RegExp): void {
  const before = Deno.readFileSync(path);
  for (const readOnly of [true, false]) {
    assert.throws(
      () => openStore(path, { readOnly }),
      (e: unknown) =>
        e instanceof LensError && e.code === "store" && e.file === path &&
        re.test(e.message),
      `${path} readOnly=${readOnly}`,
    );
    assert.deepEqual(Deno.readFileSync(path), before, "the file is byte-identical");
  }
}

Deno.test("a foreign SQLite file is refused and left byte for byte as it was", async () => {
  const { dir, path } = await tempDb();
  try {
    const other = new DatabaseSync(path);
    other.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)");
    other.exec("INSERT INTO notes (text) VALUES ('mine')");
    other.close();
    refusedUntouched(path, /not a layerlens run database .*tables notes/);
    const check = new DatabaseSync(path);
    assert.equal(
      (check.prepare("PRAGMA journal_mode").get() as { journal_mode: string })
        .journal_mode,
      "delete",
    );
    assert.deepEqual(
      check.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((r) =>
        (r as { name: string }).name
      ),
      ["notes"],
    );
    check.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a store records its schema version; damaged, cut-short and newer files are refused", async () => {
  const { dir, path } = await tempDb();
  try {
    const id = storeWithRun(path);
    const raw = new DatabaseSync(path);
    assert.equal(pragma(raw, "user_version"), SCHEMA_VERSION);
    assert.equal(pragma(raw, "application_id"), APPLICATION_ID);
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    raw.close();
    // read-only: reads, and never writes
    const before = Deno.readFileSync(path);
    const ro = openStore(path, { readOnly: true });
    assert.equal(ro.getRun(id)?.name, RUN.name);
    assert.throws(() => ro.createRun(RUN));
    ro.close();
    assert.deepEqual(Deno.readFileSync(path), before);

    // a dropped table is damage, not a reason to recreate it empty
    const copy = join(dir, "dropped.db");
    Deno.copyFileSync(path, copy);
    const d = new DatabaseSync(copy);
    d.exec("DROP TABLE results");
    d.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    d.close();
    refusedUntouched(copy, /damaged: table results is missing/);

    // cut short: half of its pages
    const cut = join(dir, "cut.db");
    Deno.writeFileSync(cut, before.subarray(0, Math.floor(before.length / 2)));
    refusedUntouched(cut, /damaged: it is cut short/);

    // a newer schema
    const newer = join(dir, "newer.db");
    Deno.copyFileSync(path, newer);
    const n = new DatabaseSync(newer);
    n.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    n.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    n.close();
    refusedUntouched(newer, new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than`));

    // read-only never creates a database
    const none = join(dir, "none.db");
    assert.throws(
      () => openStore(none, { readOnly: true }),
      (e: unknown) =>
        e instanceof LensError && e.code === "not_found" && /no such database/.test(e.message),
    );
    assert.equal(existsSync(none), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a database from before schema versions is read as is and migrated on write", async () => {
  const { dir, path } = await tempDb();
  try {
    const id = storeWithRun(path);
    // make it look like one written before versions: no id, no version, no models table
    const raw = new DatabaseSync(path);
    raw.exec("PRAGMA application_id = 0");
    raw.exec("PRAGMA user_version = 0");
    raw.exec("DROP TABLE models");
    raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    raw.close();
    assert.throws(() => openStore(path, { readOnly: true }), /older layerlens \(no table models\)/);
    const w = openStore(path);
    assert.equal(w.getRun(id)?.name, RUN.name);
    assert.equal(w.modelSeeds(id).length, 0);
    w.close();
    const ro = openStore(path, { readOnly: true });
    assert.equal(ro.getRun(id)?.name, RUN.name);
    ro.close();
    const check = new DatabaseSync(path);
    assert.equal(pragma(check, "user_version"), SCHEMA_VERSION);
    check.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
