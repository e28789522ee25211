/**
 * `lens analyze` as a whole process against a numpy script doing the same
 * binned I(X;T), I(T;Y) on the same file (bench/peer_mi.py analyze: np.load,
 * np.digitize, np.unique(axis=0) per layer and snapshot). The file is made
 * by numpy (peer_mi.py make-npz, np.savez): 100 snapshots x 6 tanh layers
 * (10, 7, 5, 4, 3, 2 units) x 4096 rows of the 12-bit inputs, float32,
 * about 51 MB. Both sides are timed from outside, start-up included, and
 * run alternately (shared cores: best of `--rounds`, not mean).
 *
 *   deno run -A bench/analyze_process.ts [--rounds 5] [--snapshots 100] [--deno-flag F]...
 *
 * `--deno-flag` (repeatable) goes to `deno run` before the script, e.g.
 * `--deno-flag=--node-modules-dir=auto` to measure what deno.json's former
 * `"nodeModulesDir": "auto"` cost: a check of the node_modules set-up on
 * every start (about 0.13 s here), which `"none"` (Deno's npm cache, now
 * deno.json's setting) does not make.
 *
 * Ours runs as the `lens` task does (`deno run -q -A --lock=deno.lock`):
 * without the lock file Deno resolves the npm versions from their registry
 * metadata on every start (about 0.15-0.3 s more here).
 *
 * Prints JSON lines: ours, the peer, the ratio, and the largest difference
 * of the last snapshot's values.
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    snapshots: { type: "string", default: "100" },
    "deno-flag": { type: "string", multiple: true, default: [] },
  },
});
const rounds = Number(values.rounds);
const peerScript = fileURLToPath(new URL("./peer_mi.py", import.meta.url));
const cli = fileURLToPath(new URL("../cli/main.ts", import.meta.url));
/** The lock file the `lens` task runs with (deno.json "tasks"): without it Deno resolves npm versions. */
const lock = fileURLToPath(new URL("../deno.lock", import.meta.url));
const dec = new TextDecoder();

async function timed(cmd: string, args: string[]): Promise<{ s: number; stdout: string }> {
  const t0 = performance.now();
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  const s = (performance.now() - t0) / 1000;
  if (!out.success) throw new Error(`${cmd} ${args.join(" ")}: ${dec.decode(out.stderr)}`);
  return { s, stdout: dec.decode(out.stdout) };
}

const dir = await Deno.makeTempDir({ prefix: "analyze_bench_" });
try {
  const npz = `${dir}/acts.npz`, labels = `${dir}/y.npy`;
  await timed("/usr/bin/python3", [
    peerScript,
    "make-npz",
    "--npz",
    npz,
    "--labels",
    labels,
    "--snapshots",
    values.snapshots!,
  ]);
  let ours = Infinity, peer = Infinity;
  let oursOut = "", peerOut = "";
  for (let r = 0; r < rounds; r++) {
    const db = `${dir}/run${r}.db`;
    const a = await timed(Deno.execPath(), [
      "run",
      "-q",
      "-A",
      `--lock=${lock}`,
      ...values["deno-flag"]!,
      cli,
      "analyze",
      "--activations",
      npz,
      "--labels",
      labels,
      "--plugins",
      "mi-binned",
      "--db",
      db,
      "--format",
      "json",
    ]);
    ours = Math.min(ours, a.s);
    oursOut = a.stdout;
    const b = await timed("/usr/bin/python3", [
      peerScript,
      "analyze",
      "--npz",
      npz,
      "--labels",
      labels,
    ]);
    peer = Math.min(peer, b.s);
    peerOut = b.stdout;
  }
  const p = JSON.parse(peerOut);
  const recs = JSON.parse(oursOut) as {
    layer: string;
    epoch: number;
    metric: string;
    value: number;
  }[];
  const lastEpoch = Math.max(...recs.map((r) => r.epoch));
  let diff = 0;
  for (
    const [k, layer] of ["layer_1", "layer_2", "layer_3", "layer_4", "layer_5", "layer_6"].entries()
  ) {
    for (const [metric, want] of [["ixt", p.ixt_last[k]], ["ity", p.ity_last[k]]] as const) {
      const got = recs.find((r) =>
        r.layer === layer && r.epoch === lastEpoch && r.metric === metric
      )!;
      diff = Math.max(diff, Math.abs(got.value - want));
    }
  }
  const mb = (await Deno.stat(npz)).size / 1e6;
  const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
  line({
    bench: "analyze_process",
    what: "ours",
    snapshots: p.snapshots,
    file_mb: +mb.toFixed(1),
    deno_flags: values["deno-flag"],
    s: +ours.toFixed(3),
  });
  line({ bench: "analyze_process", what: "peer", peer: p.peer, s: +peer.toFixed(3) });
  line({
    bench: "analyze_process",
    what: "ratio",
    ours_over_peer: +(ours / peer).toFixed(4),
    max_abs_diff_bits_last_snapshot: diff,
  });
} finally {
  await Deno.remove(dir, { recursive: true });
}
