/**
 * Does a burst of heavy reads starve the light routes? A store with one
 * 3-seed run (6 layers x 274 sampled epochs of mi-binned and grad-snr
 * records with seed aggregates, an IB curve: about 30k records) is served
 * by a `lens serve` process; 50 clients at once each read every record of
 * the run through `/api/runs/:id/results` (following `next` page by page
 * where the server pages), while one client asks for `/api/runs` every
 * 25 ms. Prints p50 / p99 / max of the `/api/runs` latencies during the
 * burst and of the 50 full reads. Goal: p99 of `/api/runs` under 200 ms.
 *
 * Run: `npx -y deno@2.9.5 run -A bench/server_burst.ts [--cli PATH/cli/main.ts] [--clients 50] [--db FILE]`
 * (`--cli` times another checkout's server on the same store; `--db` uses a
 * copy of a real store instead, its newest run, e.g. one made by
 * `lens demo --seeds 3`.)
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { openStore } from "../core/store.ts";
import { startServe } from "../tests/serve_process.ts";
import { writeSyntheticRun } from "../tests/server_synthetic_run.ts";

const { values } = parseArgs({
  options: {
    cli: { type: "string", default: fileURLToPath(new URL("../cli/main.ts", import.meta.url)) },
    clients: { type: "string", default: "50" },
    db: { type: "string" },
  },
});
const CLIENTS = Number(values.clients);
const SHAPE = { layers: 6, epochs: 8000, points: 274, seeds: 3, gradients: true, ibCurve: true };

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const show = (xs: number[]) =>
  `p50 ${quantile(xs, 0.5).toFixed(0)} ms, p99 ${quantile(xs, 0.99).toFixed(0)} ms, max ${
    Math.max(...xs).toFixed(0)
  } ms (n=${xs.length})`;

/** Reads every record of the run; returns how many. */
async function readAll(base: string, runId: string): Promise<number> {
  let after = 0;
  let total = 0;
  while (true) {
    const res = await fetch(`${base}api/runs/${runId}/results?after_id=${after}`);
    const text = await res.text();
    if (!res.ok) throw new Error(`results: ${res.status} ${text.slice(0, 200)}`);
    const count = /"count":(\d+)/.exec(text.slice(-200)) ?? /"count":(\d+)/.exec(text);
    total += Number(count?.[1] ?? 0);
    const next = /"next":(\d+)\}$/.exec(text.slice(-100));
    if (!next) return total; // the last page, or a server that does not page
    after = Number(next[1]);
  }
}

const dir = await Deno.makeTempDir({ prefix: "layerlens-burst-" });
const dbPath = join(dir, "burst.db");
if (values.db) await Deno.copyFile(values.db, dbPath);
const store = openStore(dbPath);
const runId = values.db
  ? store.listRuns()[0].id
  : writeSyntheticRun(store, SHAPE, { id: "burst", name: "burst 3 seeds" });
const records = store.queryResults(runId).length;
store.close();

const server = await startServe(["--db", dbPath], values.cli);
const base = server.url;
try {
  // warm up: one of each
  await (await fetch(`${base}api/runs`)).text();
  const one = await readAll(base, runId);
  console.log(`store: ${records} records in run ${runId}; one full read: ${one} records`);

  const light: number[] = [];
  const heavy: number[] = [];
  let burstOver = false;
  const poller = (async () => {
    while (!burstOver) {
      const t = performance.now();
      await (await fetch(`${base}api/runs`)).text();
      light.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, async () => {
    const t = performance.now();
    const n = await readAll(base, runId);
    if (n !== records) throw new Error(`a client read ${n} of ${records} records`);
    heavy.push(performance.now() - t);
  }));
  const burstMs = performance.now() - t0;
  burstOver = true;
  await poller;
  console.log(`burst: ${CLIENTS} full reads of ${records} records in ${burstMs.toFixed(0)} ms`);
  console.log(`  GET /api/runs during the burst: ${show(light)}`);
  console.log(`  full reads:                     ${show(heavy)}`);
  console.log(JSON.stringify({
    bench: "server_burst",
    records,
    clients: CLIENTS,
    burst_ms: Math.round(burstMs),
    runs_p50_ms: Math.round(quantile(light, 0.5)),
    runs_p99_ms: Math.round(quantile(light, 0.99)),
    runs_n: light.length,
    reads_p50_ms: Math.round(quantile(heavy, 0.5)),
    reads_p99_ms: Math.round(quantile(heavy, 0.99)),
  }));
} finally {
  await server.stop();
  await Deno.remove(dir, { recursive: true });
}
