/**
 * The command line as a careless user or a hostile file meets it: unbounded
 * configs, odd labels, plugins that emit garbage or hang, databases that
 * are not ours or are damaged, exports aimed at the database, deep npy
 * headers, signals and a killed launcher. Every user error is exit 2 with
 * one line, and files not ours stay byte for byte as they were.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { fileURLToPath } from "node:url";
import { writeNpy } from "../core/data/npy.ts";
import { writeNpz } from "../core/data/npz.ts";
import { openStore, processAlive } from "../core/store.ts";
import type { ResultRecord } from "../core/types.ts";
import { CLI, lens, LONG_CONFIG, withDir } from "./cli_helpers.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));

/** Asserts exit 2 and a single stderr line matching `re` (no stack trace). */
function oneLineError(r: { code: number; stderr: string }, re: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split("\n").filter((l) => !/^\s*$/.test(l));
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^error: /);
  assert.match(lines[0], re);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

const SHORT = "training: { epochs: 30 }\nschedule: { type: every, every: 10 }\n";

Deno.test("config: seeds 1000000 and an empty file are exit 2 naming the field; nothing is written", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "many.yaml"), "seeds: 1000000\n");
    oneLineError(
      await lens(["run", "many.yaml"], dir),
      /many\.yaml: seeds: must be a count n from 1 to 10000/,
    );
    await Deno.writeTextFile(join(dir, "empty.yaml"), "# to do\n");
    oneLineError(await lens(["run", "empty.yaml"], dir), /empty\.yaml: empty config/);
    oneLineError(
      await lens(["run", "many.yaml", "--epochs", "2000000"], dir),
      /--epochs must be an integer from 1 to 1000000/,
    );
    assert.equal(existsSync(join(dir, "layerlens.db")), false);
  }));

Deno.test("exit codes: --epochs -1, --out into a missing folder, a deep npy header: one line, exit 2", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "c.yaml"), SHORT);
    oneLineError(
      await lens(["run", "c.yaml", "--epochs", "-1"], dir),
      /--epochs must be an integer from 1 to 1000000, got "-1"/,
    );
    // an npy header nested a million deep (version 2.0: 4-byte header length)
    const header = "[".repeat(1_000_000);
    const bytes = new Uint8Array(12 + header.length);
    bytes.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 2, 0]);
    new DataView(bytes.buffer).setUint32(8, header.length, true);
    for (let i = 0; i < header.length; i++) bytes[12 + i] = 0x5b;
    Deno.writeFileSync(join(dir, "deep.npy"), bytes);
    writeNpz(join(dir, "a.npz"), {
      l: { dtype: "f4", shape: [2, 1], data: new Float32Array([0, 1]) },
    });
    oneLineError(
      await lens(["analyze", "--activations", "a.npz", "--labels", "deep.npy"], dir),
      /deep\.npy: the \.npy header is 1000000 bytes long, more than the 10000 accepted/,
    );
    // nested 100 deep inside a short header
    const nested = `{'descr': '<f4', 'fortran_order': False, 'shape': ${"(".repeat(100)}`;
    const short = new Uint8Array(10 + nested.length);
    short.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(short.buffer).setUint16(8, nested.length, true);
    for (let i = 0; i < nested.length; i++) short[10 + i] = nested.charCodeAt(i);
    Deno.writeFileSync(join(dir, "nested.npy"), short);
    oneLineError(
      await lens(["analyze", "--activations", "a.npz", "--labels", "nested.npy"], dir),
      /nested\.npy: malformed \.npy header .*nested more than 16 deep/,
    );
    // export into a folder that does not exist
    writeNpy(join(dir, "y.npy"), { dtype: "i4", shape: [2], data: new Int32Array([0, 1]) });
    const a = await lens(["analyze", "--activations", "a.npz", "--labels", "y.npy"], dir);
    assert.equal(a.code, 0, a.stderr);
    oneLineError(
      await lens(["export", "latest", "--out", "no/such/dir/x.csv"], dir),
      /--out: no such folder/,
    );
    // --debug: the same error with its stack
    const debug = await lens(["export", "latest", "--out", "no/such/dir/x.csv", "--debug"], dir);
    assert.equal(debug.code, 2);
    assert.match(debug.stderr, /\n\s+at /);
  }));

Deno.test("databases: reading commands refuse what is not a layerlens database and leave it untouched", () =>
  withDir(async (dir) => {
    const foreign = join(dir, "other.sqlite");
    const other = new DatabaseSync(foreign);
    other.exec("CREATE TABLE notes (t TEXT); INSERT INTO notes VALUES ('mine')");
    other.close();
    const garbage = join(dir, "garbage.db");
    await Deno.writeTextFile(garbage, "not a database at all\n".repeat(50));
    for (const file of [foreign, garbage]) {
      const before = Deno.readFileSync(file);
      for (
        const args of [
          ["runs"],
          ["show", "latest"],
          ["export", "latest"],
          ["features", "--run", "latest", "--layer", "dense_1"],
        ]
      ) {
        oneLineError(
          await lens([...args, "--db", file], dir),
          file === foreign ? /not a layerlens run database/ : /run database is damaged/,
        );
      }
      await Deno.writeTextFile(join(dir, "c.yaml"), SHORT);
      oneLineError(
        await lens(["run", "c.yaml", "--db", file, "--quiet"], dir),
        file === foreign ? /not a layerlens run database/ : /damaged/,
      );
      assert.deepEqual(Deno.readFileSync(file), before, `${file} is byte-identical`);
      assert.equal(existsSync(`${file}-wal`), false);
    }
    // a layerlens database that lost its results table: damaged, not recreated empty
    await Deno.writeTextFile(join(dir, "c.yaml"), SHORT);
    const db = join(dir, "runs.db");
    assert.equal((await lens(["run", "c.yaml", "--db", db, "--quiet"], dir)).code, 0);
    const raw = new DatabaseSync(db);
    raw.exec("DROP TABLE results");
    raw.close();
    oneLineError(await lens(["runs", "--db", db], dir), /damaged: table results is missing/);
    oneLineError(await lens(["show", "latest", "--db", db], dir), /damaged/);
    // a missing database is not created
    oneLineError(await lens(["runs", "--db", "none.db"], dir), /none\.db: no such database/);
    assert.equal(existsSync(join(dir, "none.db")), false);
  }));

Deno.test("export: never the database itself, an existing file only with --force", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "c.yaml"), SHORT);
    assert.equal((await lens(["run", "c.yaml", "--db", "runs.db", "--quiet"], dir)).code, 0);
    await Deno.symlink(join(dir, "runs.db"), join(dir, "link.db"));
    const before = Deno.readFileSync(join(dir, "runs.db"));
    for (const out of ["runs.db", "./runs.db", join(dir, "runs.db"), "link.db", "runs.db-wal"]) {
      oneLineError(
        await lens(["export", "latest", "--db", "runs.db", "--out", out], dir),
        /the run database itself/,
      );
    }
    assert.deepEqual(Deno.readFileSync(join(dir, "runs.db")), before);
    await Deno.writeTextFile(join(dir, "old.csv"), "keep me\n");
    oneLineError(
      await lens(["export", "latest", "--db", "runs.db", "--out", "old.csv"], dir),
      /old\.csv: --out: the file exists .*--force/,
    );
    assert.equal(await Deno.readTextFile(join(dir, "old.csv")), "keep me\n");
    const forced = await lens(
      ["export", "latest", "--db", "runs.db", "--out", "old.csv", "--force"],
      dir,
    );
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(await Deno.readTextFile(join(dir, "old.csv")), /^run,plugin,layer,epoch/);
    const fresh = await lens(["export", "latest", "--db", "runs.db", "--out", "new.csv"], dir);
    assert.equal(fresh.code, 0, fresh.stderr);
  }));

Deno.test("labels count by value: 5000000 is one more class, not 5000001; one class is said", () =>
  withDir(async (dir) => {
    const n = 500;
    const h = Float32Array.from({ length: n * 2 }, (_, i) => Math.round(4 * Math.sin(i * 0.7)));
    writeNpz(join(dir, "acts.npz"), { l1: { dtype: "f4", shape: [n, 2], data: h } });
    const byValue = new Int32Array(n).map((_, i) => (i % 3 === 0 ? 5_000_000 : i % 2));
    const byIndex = byValue.map((v) => (v === 5_000_000 ? 2 : v));
    writeNpy(join(dir, "big.npy"), { dtype: "i4", shape: [n], data: byValue });
    writeNpy(join(dir, "small.npy"), { dtype: "i4", shape: [n], data: byIndex });
    const run = async (labels: string) => {
      const r = await lens([
        "analyze",
        "--activations",
        "acts.npz",
        "--labels",
        labels,
        "--plugins",
        "mi-binned,mi-kde,ib-bound",
        "--format",
        "json",
      ], dir);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as ResultRecord[]).map((x) =>
        `${x.plugin} ${x.layer} ${x.metric} ${x.index} ${x.value}`
      );
    };
    const big = await run("big.npy");
    assert.ok(big.some((x) => x.startsWith("mi-binned l1 ity")));
    // the run keeps the original values of the classes 0, 1, 2
    const store = openStore(join(dir, "layerlens.db"), { readOnly: true });
    try {
      const config = store.listRuns()[0].config as { analyze?: { classes?: number[] } };
      assert.deepEqual(config.analyze?.classes, [0, 1, 5_000_000]);
    } finally {
      store.close();
    }
    assert.deepEqual(big, await run("small.npy"));
    // past 10000 classes: ids, not classes
    writeNpy(join(dir, "ids.npy"), {
      dtype: "i4",
      shape: [n * 30],
      data: Int32Array.from({ length: n * 30 }, (_, i) => i * 7),
    });
    writeNpz(join(dir, "wide.npz"), {
      l1: { dtype: "f4", shape: [n * 30, 1], data: new Float32Array(n * 30) },
    });
    oneLineError(
      await lens(["analyze", "--activations", "wide.npz", "--labels", "ids.npy"], dir),
      /ids\.npy: labels: the labels hold more than 10000 distinct values/,
    );
    // one class: said, I(T;Y) = 0, and no -0.000 anywhere
    writeNpy(join(dir, "one.npy"), { dtype: "i4", shape: [n], data: new Int32Array(n).fill(4) });
    const one = await lens(
      [
        "analyze",
        "--activations",
        "acts.npz",
        "--labels",
        "one.npy",
        "--plugins",
        "mi-binned,mi-kde",
      ],
      dir,
    );
    assert.equal(one.code, 0, one.stderr);
    assert.match(
      one.stderr,
      /one\.npy: every label is 4 \(one class\): I\(T;Y\) is 0 bits by definition/,
    );
    assert.match(one.stdout, /^l1\s+0\s+\S+\s+0\.000\s/m);
    const show = await lens(["show", "latest"], dir);
    assert.doesNotMatch(one.stdout + show.stdout, /-0\.0+\b/);
  }));

/** A plugin file: `body` is the handlers object's source. */
function pluginFile(id: string, handlers: string): string {
  return `export default {
  id: "${id}", description: "test plugin", options: {}, consumes: ["activations"],
  emits: [{ name: "m", description: "m" }],
  setup(ctx) { return ${handlers}; },
};\n`;
}

Deno.test("plugins: a bad record or a hung handler fails that plugin only; the others keep their records", () =>
  withDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, "bad.ts"),
      pluginFile(
        "bad",
        `{ activations(e) { ctx.emit([{ layer: "x", epoch: e.epoch, seed: e.seed, metric: "m", value: e.epoch === 0 ? 1 : "str" }]); } }`,
      ),
    );
    await Deno.writeTextFile(
      join(dir, "hang.ts"),
      pluginFile(
        "hang",
        `{ activations(e) { return e.epoch === 10 ? new Promise(() => {}) : undefined; } }`,
      ),
    );
    await Deno.writeTextFile(
      join(dir, "c.yaml"),
      SHORT + "plugin_timeout_s: 1\nplugins: [mi-binned, bad, hang]\n",
    );
    const r = await lens(
      [
        "run",
        "c.yaml",
        "--plugin",
        "./bad.ts",
        "--plugin",
        "./hang.ts",
        "--run-id",
        "p",
        "--quiet",
      ],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /plugin bad failed: emitted a bad record \(value is "str", not a number\)/,
    );
    assert.match(r.stderr, /plugin hang failed: its activations handler did not finish within 1 s/);
    const store = openStore(join(dir, "layerlens.db"), { readOnly: true });
    try {
      const run = store.getRun("p")!;
      assert.equal(run.status, "completed");
      assert.deepEqual(run.pluginErrors.map((e) => e.plugin).sort(), ["bad", "hang"]);
      // mi-binned: 6 layers at epochs 0, 10, 20 and the last, 29
      const ixt = store.queryResults("p", { plugin: "mi-binned", metric: "ixt", seed: 0 });
      assert.deepEqual([...new Set(ixt.map((x) => x.epoch))], [0, 10, 20, 29]);
      assert.equal(ixt.length, 24);
      // bad's valid record of epoch 0 stays, its bad one is not stored
      const bad = store.queryResults("p", { plugin: "bad" });
      assert.deepEqual(bad.map((x) => [x.epoch, x.value]), [[0, 1]]);
    } finally {
      store.close();
    }
  }));

/** Waits until `db` holds run `id` with at least one epoch row (or fails after ~30 s). */
async function waitForEpochs(db: string, id: string, mark?: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (mark !== undefined && !existsSync(mark)) continue;
    if (!existsSync(db)) continue;
    try {
      const s = openStore(db, { readOnly: true });
      try {
        if ((s.getRun(id)?.progress.length ?? 0) > 0) return;
      } finally {
        s.close();
      }
    } catch {
      // created but not yet initialised
    }
  }
  assert.fail("the run wrote no epoch");
}

Deno.test("Ctrl-C while a plugin handler hangs stops at once: exit 130, interrupted, epochs kept", () =>
  withDir(async (dir) => {
    const mark = join(dir, "hanging");
    await Deno.writeTextFile(
      join(dir, "hang.ts"),
      pluginFile(
        "hang",
        `{ activations(e) { if (e.epoch < 10) return; Deno.writeTextFileSync(${
          JSON.stringify(mark)
        }, "1"); return new Promise(() => {}); } }`,
      ),
    );
    await Deno.writeTextFile(join(dir, "c.yaml"), SHORT + "plugins: [mi-binned, hang]\n");
    const db = join(dir, "l.db");
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        CLI,
        "run",
        "c.yaml",
        "--plugin",
        "./hang.ts",
        "--db",
        db,
        "--run-id",
        "h",
      ],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    await waitForEpochs(db, "h", mark);
    child.kill("SIGINT");
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const out = await child.output();
    clearTimeout(timer);
    // 130 is the graceful stop; the SIGKILL fallback above would give 137
    assert.equal(out.code, 130, new TextDecoder().decode(out.stderr));
    const s = openStore(db, { readOnly: true });
    try {
      const run = s.getRun("h")!;
      assert.equal(run.status, "interrupted");
      assert.ok(run.progress.length > 0);
      assert.ok(s.queryResults("h", { plugin: "mi-binned", epochMax: 0 }).length > 0);
    } finally {
      s.close();
    }
  }));

Deno.test({
  name:
    "launcher: SIGTERM to the outermost process (node -> sh -c -> deno task -> deno run) stops the run",
  ignore: Deno.build.os !== "linux" ||
    !existsSync("/usr/bin/node") && !existsSync("/usr/local/bin/node"),
  fn: () =>
    withDir(async (dir) => {
      await Deno.writeTextFile(join(dir, "long.yaml"), LONG_CONFIG);
      const db = join(dir, "long.db");
      const task = [
        Deno.execPath(),
        "task",
        "--config",
        join(REPO, "deno.json"),
        "lens",
        "run",
        join(dir, "long.yaml"),
        "--db",
        db,
        "--run-id",
        "long",
        "--quiet",
      ].map((a) => `'${a}'`).join(" ");
      // like npm exec: a node process running `sh -c <command>`, which SIGTERM ends alone
      const script = `require("child_process").spawn("sh", ["-c", ${
        JSON.stringify(task)
      }], { stdio: "ignore" }); setInterval(() => {}, 1000);`;
      const node = new Deno.Command("node", {
        args: ["-e", script],
        stdout: "null",
        stderr: "null",
      })
        .spawn();
      let trainer = 0;
      try {
        await waitForEpochs(db, "long");
        const s0 = new DatabaseSync(db, { readOnly: true });
        trainer = Number(
          (s0.prepare("SELECT pid FROM runs WHERE id = 'long'").get() as {
            pid: number;
          }).pid,
        );
        s0.close();
        assert.ok(processAlive(trainer));
        node.kill("SIGTERM");
        await node.status;
        const t0 = performance.now();
        while (processAlive(trainer) && performance.now() - t0 < 60_000) {
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(processAlive(trainer), false, "the trainer ended");
        const s = openStore(db, { readOnly: true });
        try {
          const run = s.getRun("long")!;
          assert.equal(run.status, "interrupted");
          assert.doesNotMatch(
            run.error ?? "",
            /ended before the run finished/,
            "it stopped itself",
          );
          assert.ok(run.progress.length > 0);
        } finally {
          s.close();
        }
      } finally {
        try {
          node.kill("SIGKILL");
        } catch {
          // already gone
        }
        if (trainer > 0 && processAlive(trainer)) Deno.kill(trainer, "SIGKILL");
      }
    }),
});
