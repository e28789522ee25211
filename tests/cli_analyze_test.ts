/**
 * `lens analyze` (cli/analyze.ts): `--set PLUGIN.OPTION=VALUE` with the
 * semantics and checks of `lens run --set` (the stored numbers are those of
 * the library with the overridden option; bad overrides are usage errors),
 * and the lean start: array plugins load without tfjs, and the loaders of
 * plugins/builtin_loaders.ts give the very plugins of builtin.ts. A stored
 * archive (read one snapshot at a time) and a compressed one (read whole)
 * give the same records.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeNpy } from "../core/data/npy.ts";
import { writeNpz } from "../core/data/npz.ts";
import type { ResultRecord } from "../core/types.ts";
import { kdeMi } from "../plugins/infoplane/kde_mi.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { LIGHT_BUILTIN_LOADERS, loadLightBuiltins } from "../plugins/builtin_loaders.ts";
import { CLI, lens, withDir } from "./cli_helpers.ts";

/** `lens analyze` of the files {@link writeInputs} makes. */
const ANALYZE = ["analyze", "--activations", "acts.npz", "--labels", "y.npy"];

/** 2 snapshots of one 3-unit layer over 12 rows, and labels 0/1. */
function writeInputs(dir: string) {
  const rows = 12, cols = 3;
  const h = Float32Array.from({ length: 2 * rows * cols }, (_, i) => Math.sin(i * 1.7));
  const y = Int32Array.from({ length: rows }, (_, i) => i % 2);
  writeNpz(join(dir, "acts.npz"), { hidden: { dtype: "f4", shape: [2, rows, cols], data: h } });
  writeNpy(join(dir, "y.npy"), { dtype: "i4", shape: [rows], data: y });
  return { h, y, rows, cols };
}

Deno.test("analyze --set: the run uses the option; bad overrides exit 2 with one line", async () => {
  await withDir(async (dir) => {
    const { h, y, rows, cols } = writeInputs(dir);
    const base = [...ANALYZE, "--format", "json"];
    const r = await lens([
      ...base,
      "--plugins",
      "mi-kde,mi-binned",
      "--set",
      "mi-kde.noise_variance=0.02",
      "--set",
      "*.layers=[hidden]",
    ], dir);
    assert.equal(r.code, 0, r.stderr);
    const recs = JSON.parse(r.stdout) as ResultRecord[];
    const bounds = (epoch: number, s2: number) =>
      kdeMi(h.subarray(epoch * rows * cols, (epoch + 1) * rows * cols), rows, cols, y, 2, s2, 64);
    for (const epoch of [0, 1]) {
      const want = bounds(epoch, 0.02);
      const got = (m: string) =>
        recs.find((x) => x.plugin === "mi-kde" && x.epoch === epoch && x.metric === m)!.value;
      assert.equal(got("ixt_upper"), want.ixtUpper);
      assert.equal(got("ity_lower"), want.ityLower);
      // the default noise (0.1) gives other numbers: the override took effect
      assert.notEqual(got("ixt_upper"), bounds(epoch, 0.1).ixtUpper);
    }
    assert.equal(recs.filter((x) => x.plugin === "mi-binned").length, 4, "2 epochs x (ixt, ity)");

    const bad: [string[], RegExp][] = [
      [["--set", "mi-kde.noise_variance=-1"], /plugin mi-kde: option noise_variance must be/],
      [["--set", "mi-kde.noise_variance=[1]"], /option noise_variance must be/],
      [["--set", "mi-kde.nope=1"], /mi-kde.*nope/],
      [["--set", "mi-binned.bins=3"], /--plugins has no plugin "mi-binned" \(it has mi-kde\)/],
      [["--set", "*.epochs=3"], /no plugin of --plugins has the option "epochs"/],
      [["--set", "noise_variance=1"], /is not PLUGIN\.OPTION=VALUE/],
    ];
    for (const [extra, pattern] of bad) {
      const b = await lens([...base, "--plugins", "mi-kde", ...extra, "--db", "bad.db"], dir);
      assert.equal(b.code, 2, `${extra}: ${b.stderr}`);
      assert.match(b.stderr, pattern);
      assert.equal(b.stderr.trim().split("\n").length, 1, b.stderr);
    }
  });
});

Deno.test("analyze with array plugins loads no tfjs; with a tfjs plugin it does", async () => {
  await withDir(async (dir) => {
    writeInputs(dir);
    // runs the CLI in this process, then reports whether tfjs-core made its engine
    await Deno.writeTextFile(
      join(dir, "probe.ts"),
      `import { main } from ${JSON.stringify(CLI)};\n` +
        `const code = await main(Deno.args);\n` +
        `console.error("tfjs loaded: " + ("_tfengine" in globalThis) + ", exit " + code);\n`,
    );
    const probe = async (plugins: string) => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--config",
          fileURLToPath(new URL("../deno.json", import.meta.url)),
          join(dir, "probe.ts"),
          ...ANALYZE,
          "--plugins",
          plugins,
        ],
        cwd: dir,
        stdout: "null",
        stderr: "piped",
        env: { NO_COLOR: "1" },
      }).output();
      return new TextDecoder().decode(out.stderr);
    };
    assert.match(await probe("mi-binned,mi-kde,phases"), /tfjs loaded: false, exit 0/);
    // kd-compression needs training events and is skipped, but its module imports tfjs
    assert.match(await probe("mi-binned,kd-compression"), /tfjs loaded: true, exit 0/);
  });
});

Deno.test("the light loaders give builtin.ts's plugin objects, with what they require", async () => {
  const all = new Map(builtinPlugins().map((p) => [p.id, p]));
  for (const [id, load] of Object.entries(LIGHT_BUILTIN_LOADERS)) {
    assert.equal(await load(), all.get(id), id);
  }
  const phases = await loadLightBuiltins(["phases"]);
  assert.deepEqual(phases!.map((p) => p.id).sort(), ["grad-snr", "mi-binned", "phases"]);
  assert.equal(await loadLightBuiltins(["mi-binned", "disentangle"]), undefined);
  assert.equal(await loadLightBuiltins(["no-such-plugin"]), undefined);
});

Deno.test("analyze: a stored archive read snapshot by snapshot gives the compressed archive's records", async () => {
  await withDir(async (dir) => {
    const rows = 40;
    const y = Int32Array.from({ length: rows }, (_, i) => (i * 7) % 3);
    const arrays = {
      dense_1: {
        dtype: "f4",
        shape: [5, rows, 4],
        data: Float32Array.from({ length: 5 * rows * 4 }, (_, i) => Math.tanh(Math.sin(i * 0.37))),
      },
      output: {
        dtype: "f8",
        shape: [5, rows, 3],
        data: Float64Array.from({ length: 5 * rows * 3 }, (_, i) => (i % 11) / 10),
      },
      epochs: { dtype: "i8", shape: [5], data: BigInt64Array.from([0n, 1n, 3n, 9n, 27n]) },
    };
    writeNpy(join(dir, "y.npy"), { dtype: "i4", shape: [rows], data: y });
    const records = async (compress: boolean) => {
      const file = compress ? "packed.npz" : "stored.npz";
      writeNpz(join(dir, file), arrays, compress);
      const r = await lens([
        "analyze",
        "--activations",
        file,
        "--labels",
        "y.npy",
        "--plugins",
        "mi-binned,mi-kde",
        "--format",
        "json",
        "--db",
        `${file}.db`,
      ], dir);
      assert.equal(r.code, 0, r.stderr);
      return (JSON.parse(r.stdout) as ResultRecord[]).map((x) => [
        x.plugin,
        x.layer,
        x.epoch,
        x.metric,
        x.value,
      ]);
    };
    const stored = await records(false);
    assert.equal(stored.length, 5 * 2 * (2 + 4), "5 epochs x 2 layers x (2 binned + 4 KDE values)");
    assert.deepEqual(stored.map((r) => r[2]).filter((e, i, a) => a.indexOf(e) === i), [
      0,
      1,
      3,
      9,
      27,
    ]);
    assert.deepEqual(stored, await records(true));
  });
});
