/**
 * The `lens` command line, run as a child process (`deno run -A
 * cli/main.ts ...`): help texts, exit codes and messages for bad configs,
 * plugin options and data files (exit 2, no database created), the plugin
 * listing, runs / show / export over a store written here, and the pure
 * parts (information-plane table, CSV). Training runs (`run`, `demo`,
 * `analyze`) go through the real engine and backend.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeNpy } from "../core/data/npy.ts";
import { writeNpz } from "../core/data/npz.ts";
import { openStore } from "../core/store.ts";
import type { ResultRecord } from "../core/types.ts";
import { formatInfoTable, infoTableRows } from "../plugins/infoplane/info_table.ts";
import { EXPORT_HEADER, recordsToCsv } from "../cli/records_output.ts";
import { createProgressReporter, createProgressTracker, formatProgress } from "../core/progress.ts";
import { CLI, lens, LONG_CONFIG, withDir } from "./cli_helpers.ts";

/** The commands (not imported from cli/main.ts, whose loaders pull in the engine). */
const COMMANDS = [
  "run",
  "sweep",
  "demo",
  "analyze",
  "features",
  "plugins",
  "runs",
  "show",
  "export",
  "import",
  "serve",
];

const MY_METRIC = fileURLToPath(new URL("../examples/my_metric.ts", import.meta.url));

/** No stack trace lines in a message meant for users. */
function assertNoStack(text: string): void {
  assert.ok(!/^\s+at .+:\d+:\d+/m.test(text), `stack trace in: ${text}`);
}

// mi-binned records for two layers, two seeds, epochs 0, 5, 9 (hand-checkable means)
const IXT: Record<string, number[][]> = {
  // [seed][epoch index]
  dense_1: [[12, 11, 10], [11, 12, 9]],
  output: [[1, 3, 2], [2, 2, 1]],
};
const ITY: Record<string, number[][]> = {
  dense_1: [[0.9, 0.95, 1], [0.8, 0.85, 0.9]],
  output: [[0.1, 0.5, 0.7], [0.2, 0.6, 0.8]],
};
const EPOCHS = [0, 5, 9];

function infoRecords(): ResultRecord[] {
  const out: ResultRecord[] = [];
  for (const layer of ["dense_1", "output"]) {
    for (const seed of [0, 1]) {
      EPOCHS.forEach((epoch, k) => {
        const base = { plugin: "mi-binned", layer, epoch, seed, index: 0 };
        out.push({ ...base, metric: "ixt", value: IXT[layer][seed][k] });
        out.push({ ...base, metric: "ity", value: ITY[layer][seed][k] });
      });
    }
  }
  // aggregates (seed -1) and other plugins must not count
  out.push({
    plugin: "mi-binned",
    layer: "dense_1",
    epoch: 0,
    seed: -1,
    index: 0,
    metric: "ixt_mean",
    value: 99,
  });
  out.push({
    plugin: "mi-binned",
    layer: "dense_1",
    epoch: 0,
    seed: -1,
    index: 0,
    metric: "ixt",
    value: 99,
  });
  out.push({
    plugin: "mi-kde",
    layer: "dense_1",
    epoch: 5,
    seed: 0,
    index: 0,
    metric: "ixt",
    value: 50,
  });
  return out;
}

Deno.test("info table: first, peak of I(X;T) and last epoch, mean over seeds", () => {
  const { rows, seeds } = infoTableRows(infoRecords());
  assert.equal(seeds, 2);
  assert.deepEqual(rows.map((r) => r.layer), ["dense_1", "output"]);
  const [d1, out] = rows;
  // dense_1 mean I(X;T) per epoch: 11.5, 11.5, 9.5 -> the first of the tied maxima
  assert.deepEqual(d1.first, { epoch: 0, ixt: 11.5, ity: (0.9 + 0.8) / 2 });
  assert.deepEqual(d1.peak, d1.first);
  assert.deepEqual(d1.last, { epoch: 9, ixt: 9.5, ity: (1 + 0.9) / 2 });
  // output: 1.5, 2.5, 1.5 -> peak at epoch 5
  assert.deepEqual(out.peak, { epoch: 5, ixt: 2.5, ity: (0.5 + 0.6) / 2 });
  assert.deepEqual(out.last, { epoch: 9, ixt: 1.5, ity: (0.7 + 0.8) / 2 });
  const text = formatInfoTable(infoRecords());
  assert.match(text, /mean over 2 seeds/);
  assert.match(
    text,
    /^dense_1\s+0\s+11\.500\s+0\.850\s+0\s+11\.500\s+0\.850\s+9\s+9\.500\s+0\.950$/m,
  );
  assert.match(text, /^output\s+0\s+1\.500\s+0\.150\s+5\s+2\.500\s+0\.550\s+9\s+1\.500\s+0\.750$/m);
  assert.equal(formatInfoTable([]), "");
});

Deno.test("CSV export rows and progress lines", () => {
  const csv = recordsToCsv("r1", [
    { plugin: "p", layer: "a,b", epoch: 3, seed: 0, index: 1, metric: "m", value: 0.25 },
    { plugin: "p", layer: 'q"x', epoch: 4, seed: -1, index: 0, metric: "m_mean", value: NaN },
  ]);
  assert.equal(
    csv,
    `${EXPORT_HEADER}\nr1,p,"a,b",3,0,1,m,0.25\nr1,p,"q""x",4,-1,0,m_mean,NaN\n`,
  );
  const line = formatProgress({
    seedLabel: "seed 1/2",
    epoch: 99,
    epochs: 200,
    loss: 0.5,
    accuracy: 0.75,
    fraction: 0.25,
    elapsedS: 10,
  }, { bar: false });
  assert.equal(
    line,
    "seed 1/2  epoch 100/200  25.0%  loss 0.5000  acc 0.750  elapsed 10s  ETA 30s",
  );
  const bar = formatProgress({
    seedLabel: "seeds 1-3/3",
    epoch: 0,
    epochs: 10,
    loss: 1,
    accuracy: 0,
    fraction: 0.5,
    elapsedS: 90,
  }, { bar: true });
  assert.match(bar, /\[##########\.{10}\] 50\.0%/);
  assert.match(bar, /ETA 1m30s/);
});

Deno.test("progress: plain lines at most every 2 s plus each seed's last epoch; bar redrawn", () => {
  let t = 0;
  const out: string[] = [];
  const plain = createProgressReporter({ tty: false, write: (s) => out.push(s), now: () => t });
  const u = (seedIndex: number, epoch: number) => ({
    seed: seedIndex,
    seedIndex,
    seeds: 2,
    epoch,
    epochs: 4,
    loss: 0.5,
    accuracy: 0.5,
    elapsedS: t,
  });
  plain.update(u(0, 0)); // t = 0: first line
  t = 1;
  plain.update(u(0, 1)); // too soon
  t = 2.5;
  plain.update(u(0, 2)); // 2.5 s after the last line
  t = 2.6;
  plain.update(u(0, 3)); // last epoch of seed 1
  plain.update(u(1, 0)); // too soon
  t = 3;
  plain.update(u(1, 3)); // last epoch of seed 2
  plain.log("a message");
  plain.done();
  assert.deepEqual(out.map((l) => l.match(/^seeds? \S+ {2}epoch \d+\/4/)?.[0] ?? l), [
    "seed 1/2  epoch 1/4",
    "seed 1/2  epoch 3/4",
    "seed 1/2  epoch 4/4",
    "seed 2/2  epoch 4/4",
    "a message\n",
  ]);
  assert.ok(out.slice(0, 4).every((l) => l.endsWith("\n") && !l.includes("\r")));
  assert.match(out[3], / 100\.0% /);

  const bar: string[] = [];
  t = 0;
  const tty = createProgressReporter({ tty: true, write: (s) => bar.push(s), now: () => t });
  tty.update(u(0, 0));
  tty.log("note");
  tty.done();
  assert.ok(bar[0].startsWith("\r") && bar[0].endsWith("\x1b[K"), JSON.stringify(bar[0]));
  assert.deepEqual(bar.slice(1, 3), ["\r\x1b[K", "note\n"]); // the bar is cleared first...
  assert.ok(bar[3].startsWith("\rseed 1/2"), "...and redrawn after the message");
  assert.equal(bar.at(-1), "\n");
});

Deno.test("progress tracker: interleaved seeds count towards the share done", () => {
  const tr = createProgressTracker();
  const base = { seeds: 3, epochs: 10, loss: 1, accuracy: 0, elapsedS: 1 };
  tr.update({ ...base, seed: 0, seedIndex: 0, epoch: 0 });
  tr.update({ ...base, seed: 1, seedIndex: 1, epoch: 0 });
  const v = tr.update({ ...base, seed: 2, seedIndex: 2, epoch: 0 });
  assert.equal(v.seedLabel, "seeds 1-3/3");
  assert.equal(v.fraction, 3 / 30);
  const seq = createProgressTracker();
  seq.update({ ...base, seed: 0, seedIndex: 0, epoch: 9 });
  const w = seq.update({ ...base, seed: 5, seedIndex: 1, epoch: 4 });
  assert.equal(w.seedLabel, "seed 2/3");
  assert.equal(w.fraction, 15 / 30);
});

Deno.test("--help answers for every command: what it does, its flags, an example", async () => {
  const top = await lens(["--help"]);
  assert.equal(top.code, 0);
  for (const name of COMMANDS) assert.ok(top.stdout.includes(name), name);
  const flags: Record<string, string[]> = {
    run: [
      "--db",
      "--run-id",
      "--plugin",
      "--seeds",
      "--epochs",
      "--subset",
      "--set",
      "--backend",
      "--quiet",
      "--format",
    ],
    sweep: ["--db", "--seeds", "--epochs", "--quiet", "--format", "--variants", "--plugin"],
    demo: ["--db", "--epochs", "--seeds"],
    analyze: ["--activations", "--labels", "--plugins", "--plugin", "--set", "--db", "--format"],
    features: [
      "--train",
      "--test",
      "--upper",
      "--layout",
      "--peer",
      "--orders",
      "--db",
      "--format",
    ],
    plugins: ["--format", "--plugin"],
    runs: ["--db"],
    show: ["--db", "--format"],
    export: ["--format", "--out", "--db"],
    import: ["--from", "--run", "--db"],
    serve: ["--port", "--host", "--db"],
  };
  const results = await Promise.all(COMMANDS.map((c) => lens([c, "--help"])));
  COMMANDS.forEach((name, i) => {
    const r = results[i];
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`lens ${name}`), name);
    assert.match(r.stdout, /Example:\n(\s+#.*\n)*\s+deno task/, name);
    for (const f of flags[name]) assert.ok(r.stdout.includes(f), `${name} --help lists ${f}`);
  });
  const unknown = await lens(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
});

Deno.test("a bad config exits 2 with file, field and expectation, and creates no database", async () => {
  await withDir(async (dir) => {
    const db = join(dir, "runs.db");
    const cases: [string, RegExp][] = [
      [
        "training:\n  epochs: ten\n",
        /bad\.yaml: training\.epochs: must be an integer from 1 to 1000000, got "ten"/,
      ],
      ["trainig: {}\n", /bad\.yaml: trainig: unknown key \(did you mean "training"\?\)/],
      [
        "plugins: [{ id: mi-binned, options: { bin: 3 } }]\n",
        /plugins\[0\]\.options\.bin: plugin mi-binned has no option "bin" \(did you mean "bins"\?\)/,
      ],
      [
        "plugins: [{ id: mi-binned, options: { bins: 1.5 } }]\n",
        /option bins must be an integer >= 2, got 1\.5/,
      ],
      ["plugins: [mi-bined]\n", /unknown plugin "mi-bined" \(did you mean "mi-binned"\?\)/],
      ["engine: fused\nmodel: { activation: mish }\n", /fused kernel does not implement/],
    ];
    for (const [text, pattern] of cases) {
      await Deno.writeTextFile(join(dir, "bad.yaml"), text);
      const r = await lens(["run", "bad.yaml", "--db", db], dir);
      assert.equal(r.code, 2, `${text}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.match(r.stderr, /^error: /);
      assertNoStack(r.stderr);
      assert.equal(existsSync(db), false, `no database after: ${text}`);
      assert.equal(existsSync(join(dir, "layerlens.db")), false);
    }
    const flag = await lens(["run", "bad.yaml", "--epochs", "many"], dir);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--epochs must be an integer from 1 to 1000000, got "many"/);
    const missing = await lens(["run", "nope.yaml"], dir);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.yaml: config file not found/);
    const badPlugin = await lens(["run", "bad.yaml", "--plugin", "missing.ts"], dir);
    assert.equal(badPlugin.code, 2);
    assert.match(badPlugin.stderr, /missing\.ts: plugin file not found/);
    assert.equal(existsSync(join(dir, "layerlens.db")), false);
  });
});

Deno.test("plugins lists ids, hooks, metrics and options (text and json)", async () => {
  const text = await lens(["plugins"]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /^mi-binned$/m);
  assert.match(text.stdout, /consumes: activations, train_end, run_end/);
  assert.match(text.stdout, /emits: +ixt \(bits\), ity \(bits\)/);
  assert.match(text.stdout, /^ {4}bins: integer \[2, inf\] = 30$/m);
  assert.match(text.stdout, /^ {4}range: enum \(fixed \| layer \| adaptive\) = "fixed"$/m);
  const json = await lens(["plugins", "--format", "json", "--plugin", MY_METRIC]);
  assert.equal(json.code, 0, json.stderr);
  const list = JSON.parse(json.stdout) as {
    id: string;
    consumes: string[];
    options: Record<string, { type: string; default: unknown; description: string }>;
  }[];
  const mi = list.find((p) => p.id === "mi-binned")!;
  assert.deepEqual(mi.options.bins.default, 30);
  assert.equal(mi.options.bins.type, "integer");
  assert.ok(mi.options.bins.description.length > 10);
  const mine = list.find((p) => p.id === "mean-abs-activation")!;
  assert.deepEqual(mine.consumes, ["activations"]);
  assert.deepEqual(mine.options.layers.default, []);
});

Deno.test("runs, show and export read a store written elsewhere", async () => {
  await withDir(async (dir) => {
    const db = join(dir, "runs.db");
    const store = openStore(db);
    const records = infoRecords();
    const id = store.createRun({
      id: "20260101-0000-abcd",
      name: "cli test",
      config: {
        name: "cli test",
        data: { name: "tishby12", split: "reference", trainFraction: 0.8 },
        model: { type: "mlp", hidden: [10, 7], activation: "tanh", init: "reference" },
        training: { epochs: 10, batchSize: 512, lr: 0.0004, optimizer: "adam", shuffle: false },
        schedule: { type: "log", points: 400 },
        seeds: [0, 1],
        backend: "wasm",
        engine: "auto",
        plugins: [{ id: "mi-binned", options: {} }],
      },
      seeds: [0, 1],
      backend: "js",
      engine: "fused",
      versions: { layerlens: "test" },
    });
    store.appendResults(id, records);
    store.recordEpoch(id, { seed: 0, epoch: 9, sampled: true, loss: 0.125, accuracy: 0.875 });
    store.recordPluginError(id, "mi-kde", "kde went wrong");
    store.finishRun(id, "completed", { total_s: 3.5 });
    store.close();

    const runs = await lens(["runs", "--db", db]);
    assert.equal(runs.code, 0, runs.stderr);
    assert.match(runs.stdout, /20260101-0000-abcd\s+cli test\s+completed/);

    const show = await lens(["show", "20260101", "--db", db]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /^status {4}completed$/m);
    assert.match(show.stdout, /mi-kde: kde went wrong/);
    assert.match(show.stdout, /total_s 3\.50/);
    assert.match(show.stdout, /^ {4}hidden: \[ 10, 7 \]$/m);
    assert.match(
      show.stdout,
      /^output\s+0\s+1\.500\s+0\.150\s+5\s+2\.500\s+0\.550\s+9\s+1\.500\s+0\.750$/m,
    );
    const latest = await lens(["show", "latest", "--db", db, "--format", "json"]);
    assert.equal(JSON.parse(latest.stdout).length, records.length);

    const csv = await lens(["export", id, "--format", "csv", "--db", db]);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split("\n");
    assert.equal(lines[0], "run,plugin,layer,epoch,seed,index,metric,value");
    assert.equal(lines.length, records.length + 1);
    const r0 = records[0];
    assert.equal(
      lines[1],
      [id, r0.plugin, r0.layer, r0.epoch, r0.seed, r0.index, r0.metric, r0.value].join(","),
    );
    const out = join(dir, "out.json");
    const json = await lens(["export", id, "--format", "json", "--out", out, "--db", db]);
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(await Deno.readTextFile(out));
    assert.deepEqual(rows[0], { run: id, ...records[0] });

    const none = await lens(["show", "nope", "--db", db]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no run "nope".*20260101-0000-abcd/);
    const nodb = await lens(["runs", "--db", join(dir, "absent.db")]);
    assert.equal(nodb.code, 2);
    assert.match(nodb.stderr, /absent\.db: no such database/);
    assert.equal(existsSync(join(dir, "absent.db")), false);
  });
});

const f32 = (shape: number[], values: number[]) => ({
  dtype: "f4",
  shape,
  data: new Float32Array(values),
});

Deno.test("analyze refuses bad activation files with the file and array named", async () => {
  await withDir(async (dir) => {
    const labels = join(dir, "y.npy");
    writeNpy(labels, { dtype: "i4", shape: [4], data: new Int32Array([0, 1, 0, 1]) });
    const cases: [Record<string, ReturnType<typeof f32>>, RegExp][] = [
      [
        { a: f32([3, 2], [0, 0, 0, 0, 0, 0]) },
        /acts\.npz: a: layer a has 3 rows but .*y\.npy holds 4 labels/,
      ],
      [
        { a: f32([2, 4, 1], [0, 0, 0, 0, 0, 0, 0, 0]), b: f32([4, 1], [0, 0, 0, 0]) },
        /acts\.npz: b: layer b has 1 snapshot\(s\), layer a has 2 \(ragged layers\)/,
      ],
      [{ a: f32([4, 1], [0, NaN, 0, 0]) }, /acts\.npz: a: element 1 is NaN/],
      [{ a: f32([4, 1], [0, 0, Infinity, 0]) }, /acts\.npz: a: element 2 is Infinity/],
      [{ a: f32([4], [0, 0, 0, 0]) }, /acts\.npz: a: array has shape \[4\]/],
      [
        { a: f32([2, 4, 1], [0, 0, 0, 0, 0, 0, 0, 0]), epochs: f32([3], [0, 1, 2]) },
        /acts\.npz: epochs: epochs has shape \[3\] but the layers hold 2 snapshot/,
      ],
    ];
    for (const [arrays, pattern] of cases) {
      writeNpz(join(dir, "acts.npz"), arrays);
      const r = await lens(["analyze", "--activations", "acts.npz", "--labels", "y.npy"], dir);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assertNoStack(r.stderr);
      assert.equal(existsSync(join(dir, "layerlens.db")), false);
    }
    const noLabels = await lens(["analyze", "--activations", "acts.npz"], dir);
    assert.equal(noLabels.code, 2);
    assert.match(noLabels.stderr, /missing --labels/);
    const badPlugin = await lens([
      "analyze",
      "--activations",
      "acts.npz",
      "--labels",
      "y.npy",
      "--plugins",
      "mi-binned,nope",
    ], dir);
    assert.equal(badPlugin.code, 2);
    assert.match(badPlugin.stderr, /unknown plugin "nope"/);
  });
});

Deno.test({
  name: "analyze: binned MI of hand-made layers, stored as a run",
  fn: () =>
    withDir(async (dir) => {
      // 8 samples, labels 4 / 4: a layer with 8 distinct bins gives (3, 1) bits,
      // a constant layer (0, 0), a layer that is the label gives (1, 1).
      const y = [0, 0, 0, 0, 1, 1, 1, 1];
      writeNpy(join(dir, "y.npy"), { dtype: "i4", shape: [8], data: new Int32Array(y) });
      const distinct = y.map((_, i) => -0.9 + 0.25 * i);
      writeNpz(join(dir, "acts.npz"), {
        distinct: f32([2, 8, 1], [...distinct, ...distinct]),
        constant: f32([2, 8, 1], Array(16).fill(0.3)),
        label: f32([2, 8, 1], [...y.map((v) => v - 0.5), ...y.map((v) => v - 0.5)]),
        epochs: { dtype: "i8", shape: [2], data: new BigInt64Array([0n, 10n]) },
      });
      const db = join(dir, "a.db");
      const r = await lens([
        "analyze",
        "--activations",
        "acts.npz",
        "--labels",
        "y.npy",
        "--plugins",
        "mi-binned,grad-snr",
        "--db",
        db,
        "--format",
        "json",
      ], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /skipping grad-snr/);
      const recs = JSON.parse(r.stdout) as (ResultRecord & { run: string })[];
      const get = (layer: string, epoch: number, metric: string) =>
        recs.find((x) =>
          x.layer === layer && x.epoch === epoch && x.metric === metric && x.seed === 0
        )!
          .value;
      for (const epoch of [0, 10]) {
        assert.ok(Math.abs(get("distinct", epoch, "ixt") - 3) < 1e-9);
        assert.ok(Math.abs(get("distinct", epoch, "ity") - 1) < 1e-9);
        assert.ok(Math.abs(get("constant", epoch, "ixt")) < 1e-9);
        assert.ok(Math.abs(get("constant", epoch, "ity")) < 1e-9);
        assert.ok(Math.abs(get("label", epoch, "ixt") - 1) < 1e-9);
        assert.ok(Math.abs(get("label", epoch, "ity") - 1) < 1e-9);
      }
      const store = openStore(db);
      try {
        const [run] = store.listRuns();
        assert.equal(run.status, "completed");
        assert.equal(run.id, recs[0].run);
      } finally {
        store.close();
      }
    }),
});

Deno.test({
  name: "run: a short 12-bit run with a custom plugin, then export",
  fn: () =>
    withDir(async (dir) => {
      await Deno.writeTextFile(
        join(dir, "short.yaml"),
        "name: short\ntraining: { epochs: 12 }\nseeds: 2\n" +
          "plugins: [mi-binned, { id: mean-abs-activation, options: { layers: [output] } }]\n",
      );
      const r = await lens([
        "run",
        "short.yaml",
        "--plugin",
        MY_METRIC,
        "--run-id",
        "short-1",
        "--quiet",
      ], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^run short-1 completed/m);
      assert.ok(r.stdout.includes(`stored in ${join(dir, "layerlens.db")}`));
      const store = openStore(join(dir, "layerlens.db"));
      try {
        const run = store.getRun("short-1")!;
        assert.equal(run.status, "completed");
        assert.deepEqual(run.seeds, [0, 1]);
        const mean = store.queryResults("short-1", { plugin: "mean-abs-activation", seed: 0 });
        assert.ok(mean.length > 0 && mean.every((x) => x.layer === "output"));
        // softmax outputs of 2 classes: mean |p| over both units is exactly 1/2
        for (const x of mean) assert.ok(Math.abs(x.value - 0.5) < 1e-6, String(x.value));
        const ixt = store.queryResults("short-1", {
          plugin: "mi-binned",
          metric: "ixt",
          epochMax: 0,
        });
        assert.ok(ixt.length >= 12, "6 layers x 2 seeds at epoch 0");
        for (const x of ixt) assert.ok(x.value >= 0 && x.value <= 12 + 1e-9);
      } finally {
        store.close();
      }
      const json = await lens(
        ["run", "short.yaml", "--plugin", MY_METRIC, "--format", "json"],
        dir,
      );
      assert.equal(json.code, 0, json.stderr);
      const rows = JSON.parse(json.stdout) as (ResultRecord & { run: string })[];
      assert.match(json.stderr, new RegExp(`^run ${rows[0].run} completed`, "m"));
      const check = openStore(join(dir, "layerlens.db"));
      try {
        assert.equal(rows.length, check.queryResults(rows[0].run).length);
      } finally {
        check.close();
      }
      const again = await lens(
        ["run", "short.yaml", "--plugin", MY_METRIC, "--run-id", "short-1"],
        dir,
      );
      assert.equal(again.code, 2);
      assert.match(again.stderr, /a run with id "short-1" already exists/);
    }),
});

Deno.test({
  name: "demo: a few epochs print the information-plane table",
  fn: () =>
    withDir(async (dir) => {
      const r = await lens(["demo", "--epochs", "6", "--seeds", "1", "--quiet"], dir);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /Information plane \(mi-binned, bits, mean over 1 seed\)/);
      for (const layer of ["dense_1", "dense_5", "output"]) {
        assert.match(r.stdout, new RegExp(`^${layer}\\s+0\\s`, "m"));
      }
      assert.match(r.stdout, /^run \S+ completed/m);
      // the run's answers are kept: the plane's tab (3 charts), the gradients tab (2), training
      const db = new DatabaseSync(join(dir, "layerlens.db"), { readOnly: true });
      const kept = db.prepare("SELECT count(*) AS n FROM chart_answers").get() as { n: number };
      db.close();
      assert.equal(kept.n, 6);
    }),
});

Deno.test({
  name:
    "run: SIGTERM stops after the epoch (exit 143), marks the run interrupted, keeps its records",
  fn: () =>
    withDir(async (dir) => {
      await Deno.writeTextFile(join(dir, "long.yaml"), LONG_CONFIG);
      const db = join(dir, "long.db");
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", CLI, "run", "long.yaml", "--db", db, "--run-id", "long", "--quiet"],
        cwd: dir,
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      // wait until epochs are being written
      let started = false;
      for (let i = 0; i < 300 && !started; i++) {
        await new Promise((r) => setTimeout(r, 100));
        if (!existsSync(db)) continue;
        const s = openStore(db);
        try {
          started = (s.getRun("long")?.progress.length ?? 0) > 0;
        } finally {
          s.close();
        }
      }
      assert.ok(started, "the run wrote its first epoch");
      child.kill("SIGTERM");
      // it must stop within the epoch; kill it if it does not, so a failure stays quick
      const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
      const status = await child.output();
      clearTimeout(timer);
      assert.equal(status.code, 143, new TextDecoder().decode(status.stderr));
      const s = openStore(db);
      try {
        const run = s.getRun("long")!;
        assert.equal(run.status, "interrupted");
        assert.ok(s.queryResults("long", { plugin: "mi-binned", epochMax: 0 }).length > 0);
      } finally {
        s.close();
      }
    }),
});
