/**
 * Every benchmark, one after another, then a table of each goal against
 * what was measured (`deno task bench`). Each benchmark is its own script
 * (run one alone for details); this runner starts them as subprocesses,
 * echoes their output and reads the JSON lines they print.
 *
 *   deno run -A bench/run_all.ts [--only mi_binned,mi_kde,...] [--quick] [--out FILE]
 *
 * `--quick` shortens the 12-bit protocol to 2000 epochs (the ratios hold
 * per epoch; the goals are stated for 8000). `--out FILE` also writes every
 * JSON line and the summary there. The PyTorch peers need Debian's
 * python3-torch and python3-numpy (`/usr/bin/python3`). Run on a quiet
 * machine: the benchmarks and their peers share the cores.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const { values } = parseArgs({
  options: {
    only: { type: "string" },
    quick: { type: "boolean", default: false },
    out: { type: "string" },
  },
});

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const epochs = values.quick ? "2000" : "8000";
const deno = Deno.execPath();

/** One goal: what a benchmark's JSON lines say about it. */
interface Goal {
  what: string;
  goal: string;
  measured: (lines: Record<string, unknown>[], text: string) => string;
}

/** One benchmark: its command and the goals it measures. */
interface Bench {
  name: string;
  cmd: () => Promise<string[]>;
  goals: Goal[];
}

const find = (lines: Record<string, unknown>[], key: string, value: unknown) =>
  lines.find((l) => l[key] === value);
const num = (v: unknown, digits = 3) => typeof v === "number" ? v.toFixed(digits) : "n/a";

let peerJson: string | undefined;
/** Runs the shared PyTorch peer of the 12-bit protocol once; its JSON is reused. */
async function peer12bit(): Promise<string> {
  if (peerJson) return peerJson;
  const script = here("./peer_torch_12bit.py");
  console.log(`\n$ /usr/bin/python3 ${script} --epochs ${epochs} --seeds 1`);
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [script, "--epochs", epochs, "--seeds", "1"],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("the PyTorch peer failed (needs python3-torch, python3-numpy)");
  const text = new TextDecoder().decode(out.stdout).trim().split("\n").pop()!;
  console.log(text);
  peerJson = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.writeTextFile(peerJson, text);
  return peerJson;
}

const denoRun = (script: string, ...args: string[]) => () =>
  Promise.resolve([
    deno,
    "run",
    "-A",
    here(script),
    ...args,
  ]);

const BENCHES: Bench[] = [
  {
    name: "mi_binned",
    cmd: denoRun("./mi_binned.ts"),
    goals: [{
      what: "binned MI, one sampled epoch (6 layers, N = 4096)",
      goal: "<= 0.1 x numpy",
      measured: (l) => `${num(find(l, "what", "ratio")?.plugin_over_peer)} x numpy (plugin)`,
    }],
  },
  {
    name: "mi_kde",
    cmd: denoRun("./mi_kde.ts"),
    goals: [{
      what: "KDE MI, one layer, N = 4096",
      goal: "< 1 x numpy logsumexp",
      measured: (l) => `${num(find(l, "what", "ratio")?.ours_over_peer_f64)} x numpy (float64)`,
    }],
  },
  {
    name: "mi_kde_protocol",
    cmd: denoRun("./mi_kde_protocol.ts", "--epochs", epochs),
    goals: [{
      what: `12-bit protocol, 5 seeds (${epochs} epochs): with mi-kde / without`,
      goal: "<= 2",
      measured: (l) => `${num(find(l, "what", "ratio")?.with_kde_over_without)}`,
    }],
  },
  {
    name: "analyze_process",
    cmd: denoRun("./analyze_process.ts"),
    goals: [{
      what: "lens analyze, 100 snapshots x 6 layers x 4096 rows, mi-binned (whole process)",
      goal: "<= 0.25 x numpy script",
      measured: (l) => `${num(find(l, "what", "ratio")?.ours_over_peer)} x numpy`,
    }],
  },
  {
    name: "ksg",
    cmd: denoRun("./ksg.ts"),
    goals: [{
      what: "lens mi --estimator ksg, N = 20 000, d = 10 + 10 (whole process)",
      goal: "< 20 s",
      measured: (l) => {
        const k = find(l, "what", "ksg");
        return `${num(k?.wall_s, 1)} s wall, ${num(k?.cpu_s, 1)} s CPU`;
      },
    }],
  },
  {
    name: "protocol_12bit",
    cmd: async () => [
      deno,
      "run",
      "-A",
      here("./protocol_12bit.ts"),
      "--seeds",
      "1",
      "--epochs",
      epochs,
      "--peer-json",
      await peer12bit(),
    ],
    goals: [{
      what: `12-bit protocol, 1 seed (${epochs} epochs, training + binned MI)`,
      goal: "<= 0.5 x PyTorch",
      measured: (l) => `${num(l[0]?.ratio)} x PyTorch (${num(l[0]?.layerlens_s, 1)} s)`,
    }],
  },
  {
    name: "protocol_12bit_20",
    cmd: async () => [
      deno,
      "run",
      "-A",
      here("./protocol_12bit.ts"),
      "--seeds",
      "20",
      "--epochs",
      epochs,
      "--peer-json",
      await peer12bit(),
    ],
    goals: [{
      what: "12-bit protocol, 20 seeds (peer: 1 seed x 20)",
      goal: "<= 0.2 x PyTorch",
      measured: (l) => `${num(l[0]?.ratio)} x PyTorch (${num(l[0]?.layerlens_s, 1)} s)`,
    }],
  },
  {
    name: "ib_curve",
    cmd: denoRun("./ib_curve.ts"),
    goals: [{
      what: "12-bit IB curve, reference beta grid",
      goal: "< 10 s",
      measured: (l) => `${num(find(l, "scenario", "labels+soften")?.seconds, 2)} s (softened)`,
    }],
  },
  {
    name: "shapley_mnist",
    cmd: denoRun("./shapley_mnist.ts"),
    goals: [{
      what: "exact Shapley, 6 orders, 10 000 MNIST test rows",
      goal: "< 30 s",
      measured: (l) => `${num(l[0]?.best_s, 2)} s`,
    }],
  },
  {
    name: "disentangle",
    cmd: denoRun("./disentangle.ts"),
    goals: [{
      what: "disentangler training, 6 orders",
      goal: "<= 1.5 x PyTorch",
      measured: (l) => `${num(l[0]?.ratio_vs_peer)} x PyTorch (${num(l[0]?.best_s, 1)} s)`,
    }],
  },
  {
    name: "dashboard_load",
    cmd: denoRun("./dashboard_load.ts"),
    goals: [{
      what: "information-plane page, 6 layers x 274 epochs x 20 seeds",
      goal: "< 500 ms cold",
      measured: (_, text) => {
        const m = text.match(/every chart has its points: cold (\d+) ms, warm ([\d, ]+) ms/);
        return m ? `cold ${m[1]} ms, warm ${m[2]} ms (chromium)` : "page load not measured";
      },
    }, {
      what: "compare page of 6 such runs, the first screen's charts (every chart)",
      goal: "< 1500 ms cold",
      measured: (_, text) => {
        const first = text.match(/compare page[^]*?first screen's charts: cold (\d+) ms/);
        const all = text.match(/compare page[^]*?every chart has its points: cold (\d+) ms/);
        return first && all
          ? `cold ${first[1]} ms (every chart ${all[1]} ms, chromium)`
          : "page load not measured";
      },
    }],
  },
  {
    name: "server_burst",
    cmd: denoRun("./server_burst.ts"),
    goals: [{
      what: "GET /api/runs during 50 full result reads of a 3-seed run",
      goal: "p99 < 200 ms",
      measured: (l) => `p99 ${l[0]?.runs_p99_ms} ms (p50 ${l[0]?.runs_p50_ms} ms)`,
    }],
  },
  {
    name: "queue_scale",
    cmd: denoRun("./queue_scale.ts"),
    goals: [{
      what: "16-job distributed sweep, 2 workers vs 1 (redis + BullMQ)",
      goal: ">= 1.7x",
      measured: (l) =>
        `${l[0]?.speedup}x (${l[0]?.sweep_1_worker_s} s vs ${l[0]?.sweep_2_workers_s} s)`,
    }, {
      what: "queued job overhead: enqueued -> running / -> result in the store",
      goal: "< 100 ms median",
      measured: (l) =>
        `${l[0]?.overhead_running_median_ms} ms / ${l[0]?.overhead_visible_median_ms} ms`,
    }],
  },
];

const only = values.only?.split(",").map((s) => s.trim());
const chosen = BENCHES.filter((b) => !only || only.includes(b.name));
if (only) {
  const unknown = only.filter((n) => !BENCHES.some((b) => b.name === n));
  if (unknown.length) {
    console.error(
      `error: unknown benchmark ${unknown.join(", ")}; known: ${
        BENCHES.map((b) => b.name).join(", ")
      }`,
    );
    Deno.exit(2);
  }
}

const jsonLines: string[] = [];
const rows: [string, string, string][] = [];
for (const b of chosen) {
  const argv = await b.cmd();
  console.log(`\n$ ${argv.slice(1).join(" ")}`);
  const t0 = performance.now();
  const child = new Deno.Command(argv[0], { args: argv.slice(1), stdout: "piped" }).spawn();
  const out = await child.output();
  const text = new TextDecoder().decode(out.stdout);
  console.log(text.trimEnd());
  const lines = text.split("\n").filter((s) => s.startsWith("{")).map((s) => JSON.parse(s));
  jsonLines.push(...text.split("\n").filter((s) => s.startsWith("{")));
  const wall = ((performance.now() - t0) / 1000).toFixed(1);
  for (const g of b.goals) {
    rows.push([
      g.what,
      g.goal,
      out.success ? g.measured(lines, text) : `failed (exit ${out.code})`,
    ]);
  }
  console.log(`(${b.name}: ${wall} s)`);
}

const w = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length), 4));
const summary = [
  "",
  `${"benchmark".padEnd(w[0])}  ${"goal".padEnd(w[1])}  measured`,
  ...rows.map((r) => `${r[0].padEnd(w[0])}  ${r[1].padEnd(w[1])}  ${r[2]}`),
].join("\n");
console.log(summary);
if (values.out) {
  await Deno.writeTextFile(values.out, jsonLines.join("\n") + "\n" + summary + "\n");
}
if (peerJson) await Deno.remove(peerJson);
