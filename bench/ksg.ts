/**
 * Speed of `lens mi --estimator ksg` as a whole process (start-up, reading
 * the .npy files, the estimate, printing): N = 20 000 rows, X and Y of
 * d = 10 columns each (10 correlated Gaussian pairs, rho = 0.6, float32),
 * so the joint space has 20 dimensions; and Ross's mixed estimator on the
 * same X with 2 class labels. Goal: under 20 s for the whole command.
 *
 *   deno run -A bench/ksg.ts [--rows 20000] [--dims 10] [--rounds 2] [--workers N]
 *
 * `--workers` is passed to `lens mi` (default: its own, the cores up to 4);
 * `--workers 1` times the single-threaded search.
 *
 * Prints JSON lines: wall seconds and the child's user + system CPU
 * seconds (from /usr/bin/time when present; on a shared machine the CPU
 * time is the fairer figure), best of `--rounds`, with the estimate and the
 * exact value.
 */
import { parseArgs } from "node:util";
import { existsSync } from "node:fs";
import { writeNpy } from "../core/data/npy.ts";
import { correlatedGaussians, gaussianMiBits } from "../tools/known_mi.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "20000" },
    dims: { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    workers: { type: "string" },
  },
});
const n = Number(values.rows), d = Number(values.dims), rounds = Number(values.rounds);
const rho = 0.6;
const cli = new URL("../cli/main.ts", import.meta.url).pathname;
const timeBin = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;

const dir = await Deno.makeTempDir({ prefix: "ksg_bench_" });
try {
  const p = correlatedGaussians(n, d, rho, 0);
  writeNpy(`${dir}/x.npy`, { dtype: "f4", shape: [n, d], data: Float32Array.from(p.x) });
  writeNpy(`${dir}/y.npy`, { dtype: "f4", shape: [n, d], data: Float32Array.from(p.y) });
  // labels: the sign of the first coordinate of y (continuous x, discrete y)
  const lab = new Int32Array(n).map((_, i) => (p.y[i * d] > 0 ? 1 : 0));
  writeNpy(`${dir}/labels.npy`, { dtype: "i4", shape: [n], data: lab });

  const run = async (y: string) => {
    const args = ["run", "-A", cli, "mi", "--x", `${dir}/x.npy`, "--y", y, "--format", "json"];
    if (values.workers) args.push("--workers", values.workers);
    const cmd = timeBin
      ? new Deno.Command(timeBin, { args: ["-f", "%U %S", Deno.execPath(), ...args] })
      : new Deno.Command(Deno.execPath(), { args });
    const t0 = performance.now();
    const out = await cmd.output();
    const wall = (performance.now() - t0) / 1000;
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    const result = JSON.parse(new TextDecoder().decode(out.stdout));
    const times = new TextDecoder().decode(out.stderr).trim().split("\n").pop()!.split(" ");
    const cpu = timeBin ? Number(times[0]) + Number(times[1]) : NaN;
    return { wall, cpu, result };
  };
  for (const [what, y] of [["ksg", `${dir}/y.npy`], ["ross", `${dir}/labels.npy`]]) {
    let best = { wall: Infinity, cpu: Infinity, result: {} as Record<string, unknown> };
    for (let r = 0; r < rounds; r++) {
      const m = await run(y);
      if (m.wall < best.wall) best = { ...m, cpu: Math.min(best.cpu, m.cpu) };
      else best.cpu = Math.min(best.cpu, m.cpu);
    }
    console.log(JSON.stringify({
      bench: "ksg",
      what,
      rows: n,
      dims_x: d,
      dims_y: what === "ksg" ? d : 1,
      wall_s: +best.wall.toFixed(2),
      cpu_s: +best.cpu.toFixed(2),
      workers: values.workers ?? "default",
      bits: best.result.bits,
      exact_bits: what === "ksg" ? gaussianMiBits(d, rho) : undefined,
      load_avg: Deno.loadavg()[0],
    }));
  }
} finally {
  await Deno.remove(dir, { recursive: true });
}
