/**
 * layerlens as a library: train the 12-bit task for a few hundred epochs
 * with two plugins, then read the information plane of the last hidden
 * layer back from the store. Run it:
 *
 * ```sh
 * deno run -A examples/run_script.ts [runs.db]
 * ```
 *
 * Copied anywhere, with `../mod.ts` below changed to layerlens's URL (a
 * clone's `file://` URL, or any web server holding the tree), it runs the
 * same with no deno.json (tests/package_test.ts does both).
 *
 * @module
 */
import { builtinPlugins, createRegistry, openStore, parseConfig, runExperiment } from "../mod.ts";

const config = parseConfig(
  `
name: script-example
data: { name: tishby12 }
training: { epochs: 300 }
seeds: 2
plugins: [mi-binned, grad-snr]
`,
  "run_script.ts",
);
const db = Deno.args[0] ?? "layerlens.db";
const store = openStore(db);
try {
  const { runId, status, timings } = await runExperiment({
    config,
    store,
    registry: createRegistry(builtinPlugins()),
  });
  console.log(`run ${runId} ${status} in ${timings.total_s.toFixed(1)} s, stored in ${db}`);
  // Seed means (seed -1) of the last hidden layer, one line per sampled epoch.
  const ixt = store.queryResults(runId, { plugin: "mi-binned", layer: "dense_5", seed: -1 });
  const byEpoch = new Map<number, Record<string, number>>();
  for (const r of ixt) {
    byEpoch.set(r.epoch, { ...byEpoch.get(r.epoch), [r.metric]: r.value });
  }
  console.log("epoch  I(X;T)  I(T;Y)   (dense_5, mean over seeds, bits)");
  for (const [epoch, m] of [...byEpoch].sort((a, b) => a[0] - b[0])) {
    if (epoch % 50 === 0 || epoch === 299) {
      console.log(
        `${String(epoch).padStart(5)}  ${m.ixt_mean?.toFixed(3)}  ${m.ity_mean?.toFixed(3)}`,
      );
    }
  }
} finally {
  store.close();
}
