/**
 * What mi-kde adds to the 12-bit information-plane protocol: the whole
 * protocol (8000 epochs, 274 sampled epochs, 6 layers, N = 4096 probe rows)
 * through the engine, plugins and store, once with [mi-binned, grad-snr]
 * and once with [mi-binned, grad-snr, mi-kde] (KDE at every sampled epoch),
 * same seeds. Goal: the second costs at most twice the first (KDE adds at
 * most as much time again). `--workers 0,2` runs the second once per value
 * of mi-kde's `workers` option (0: on the main thread; n: n worker threads;
 * -1: one per core but one).
 *
 *   deno run -A bench/mi_kde_protocol.ts [--seeds 5] [--epochs 8000] [--workers 0]
 *
 * Prints JSON lines: each run's wall time, CPU time of the whole process
 * (all threads; the fairer measure on shared cores) and plugin times (a
 * pool's work off the main thread is not in mi-kde_s), then the ratios.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { configFromValue } from "../core/config.ts";
import { runExperiment } from "../core/engine.ts";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import { builtinPlugins } from "../plugins/builtin.ts";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "5" },
    epochs: { type: "string", default: "8000" },
    workers: { type: "string", default: "0" },
  },
});
const seeds = Number(values.seeds), epochs = Number(values.epochs);

async function protocol(
  plugins: string[],
  workers = 0,
): Promise<Record<string, unknown>> {
  // the config defaults are the 12-bit reference protocol
  const config = configFromValue({
    name: "bench-12bit-kde",
    training: { epochs },
    seeds: Array.from({ length: seeds }, (_, i) => i),
    plugins: plugins.map((id) => ({ id, options: id === "mi-kde" ? { workers } : {} })),
  }, "<bench>");

  const dir = await Deno.makeTempDir({ prefix: "mi_kde_protocol_" });
  try {
    const store = openStore(`${dir}/bench.db`);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const outcome = await runExperiment({
      config,
      store,
      registry: createRegistry(builtinPlugins()),
    });
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    store.close();
    const t = outcome.timings;
    const plugin = (id: string) =>
      t[`plugin:${id}_s`] === undefined ? undefined : +t[`plugin:${id}_s`].toFixed(2);
    return {
      bench: "mi_kde_protocol",
      plugins: plugins.join(","),
      ...(plugins.includes("mi-kde") ? { workers } : {}),
      seeds,
      epochs,
      wall_s: +wall.toFixed(2),
      cpu_s: +cpu.toFixed(2),
      train_s: t.train_s === undefined ? undefined : +t.train_s.toFixed(2),
      "mi-binned_s": plugin("mi-binned"),
      "grad-snr_s": plugin("grad-snr"),
      "mi-kde_s": plugin("mi-kde"),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const base = await protocol(["mi-binned", "grad-snr"]);
console.log(JSON.stringify(base));
for (const w of values.workers!.split(",").map(Number)) {
  const withKde = await protocol(["mi-binned", "grad-snr", "mi-kde"], w);
  console.log(JSON.stringify(withKde));
  const ratio = (withKde.wall_s as number) / (base.wall_s as number);
  const cpuRatio = (withKde.cpu_s as number) / (base.cpu_s as number);
  console.log(JSON.stringify({
    bench: "mi_kde_protocol",
    what: "ratio",
    workers: w,
    with_kde_over_without: +ratio.toFixed(3),
    cpu_with_kde_over_without: +cpuRatio.toFixed(3),
    goal: "with_kde_over_without <= 2",
  }));
}
