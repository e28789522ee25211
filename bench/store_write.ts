/**
 * Records written per second by each run-store backend, for the shape of a
 * big information-plane run: 6 layers x 274 sampled epochs x 20 seeds of
 * mi-binned records (ixt, ity per layer: 65 760 records), written as the
 * engine writes them (one transaction per seed and sampled epoch: 12
 * records, plus its epoch statistics row), then the same records as one
 * batch. SQLite: a new file in WAL mode (synchronous NORMAL). PostgreSQL 15:
 * a private server on loopback with its default durability (fsync on,
 * synchronous_commit on), then with `synchronous_commit=off` set through
 * the URL (`?options=-c%20synchronous_commit%3Doff`), through the worker
 * bridge (tests/services.ts starts it; needs Debian's postgresql).
 *
 * Prints one JSON line per backend and mode.
 *
 * Run: `deno run -A bench/store_write.ts`
 *
 * @module
 */
import { join } from "node:path";
import { openStoreAt } from "../core/store_open.ts";
import type { ResultRecord } from "../core/types.ts";
import { startPostgres } from "../tests/services.ts";

const LAYERS = 6;
const EPOCHS = 274;
const SEEDS = 20;

function epochBatch(seed: number, epoch: number): ResultRecord[] {
  const out: ResultRecord[] = [];
  for (let l = 0; l < LAYERS; l++) {
    const layer = `dense_${l + 1}`;
    const values: [string, number][] = [
      ["ixt", 12 - l - epoch / 1e3],
      ["ity", 1 - l / 10 + epoch / 1e4],
    ];
    for (const [metric, value] of values) {
      out.push({ plugin: "mi-binned", layer, epoch, seed, index: 0, metric, value });
    }
  }
  return out;
}

const INIT = {
  name: "bench",
  config: {},
  seeds: [0],
  backend: "wasm",
  engine: "fused",
  versions: {},
};

function measure(backend: string, target: string): void {
  const store = openStoreAt(target);
  try {
    // per epoch, as the engine writes
    let id = store.createRun(INIT);
    let n = 0;
    let t = performance.now();
    for (let seed = 0; seed < SEEDS; seed++) {
      for (let e = 0; e < EPOCHS; e++) {
        const batch = epochBatch(seed, e * 29);
        store.appendResults(id, batch);
        store.recordEpoch(id, { seed, epoch: e * 29, loss: 0.5, accuracy: 0.9 } as never);
        n += batch.length;
      }
    }
    let s = (performance.now() - t) / 1000;
    store.finishRun(id, "completed", {});
    console.log(JSON.stringify({
      bench: "store_write",
      backend,
      mode: "per-epoch transactions",
      records: n,
      transactions: SEEDS * EPOCHS,
      seconds: +s.toFixed(3),
      records_per_s: Math.round(n / s),
    }));
    // one batch
    const all: ResultRecord[] = [];
    for (let seed = 0; seed < SEEDS; seed++) {
      for (let e = 0; e < EPOCHS; e++) all.push(...epochBatch(seed, e * 29));
    }
    id = store.createRun(INIT);
    t = performance.now();
    store.appendResults(id, all);
    s = (performance.now() - t) / 1000;
    store.finishRun(id, "completed", {});
    console.log(JSON.stringify({
      bench: "store_write",
      backend,
      mode: "one batch",
      records: all.length,
      seconds: +s.toFixed(3),
      records_per_s: Math.round(all.length / s),
    }));
    if (store.queryResults(id).length !== all.length) throw new Error("records missing");
  } finally {
    store.close();
  }
}

const dir = await Deno.makeTempDir({ prefix: "layerlens-bench-store-" });
try {
  measure("sqlite", join(dir, "bench.db"));
} finally {
  await Deno.remove(dir, { recursive: true });
}
const pg = await startPostgres({ durable: true });
try {
  measure("postgres", pg.url);
  // commits acknowledged before their WAL reaches disk (as SQLite's WAL with synchronous
  // NORMAL): a server crash may lose the last moments, never part of a transaction
  measure("postgres synchronous_commit=off", `${pg.url}?options=-c%20synchronous_commit%3Doff`);
} finally {
  await pg.stop();
}
