/**
 * Speed of the KDE bounds (kde_mi.ts) on one layer: N = 4096 probe rows,
 * d = 10 (the first tanh layer of an untrained initDense(seed,
 * [12, 10, ...], "reference") 12-bit net), noise variance 0.1, next to the
 * dense numpy peer (bench/peer_mi.py kde: the full distance matrix, a
 * hand-written log-sum-exp per row, class sub-matrices as in [Saxe]'s
 * code) in float64 and in float32.
 *
 *   deno run -A bench/mi_kde.ts [--seed 0] [--rounds 3] [--s2 0.1] [--block 64] [--no-trained]
 *
 * Prints JSON lines: ours, the peer (both precisions), and the ratio with
 * the largest difference of the four bounds against the float64 peer.
 * Then (unless `--no-trained`) the time per layer at the first and the last
 * sampled epoch of one seed of the 12-bit protocol (8000 epochs, trained
 * here first), with each layer's number of distinct rows: saturated layers
 * repeat rows late in training, and kde_mi.ts weighs them instead.
 * Best of `--rounds` (shared cores: best, not mean).
 */
import { parseArgs } from "node:util";
import { configFromValue } from "../core/config.ts";
import { tishby12Arrays } from "../core/data/tishby12.ts";
import { runExperiment } from "../core/engine.ts";
import { initDense } from "../core/model/init.ts";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import type { ActivationCache, ActivationsEvent, Plugin } from "../core/types.ts";
import { groupRows } from "../plugins/infoplane/distinct_rows.ts";
import { kdeMi } from "../plugins/infoplane/kde_mi.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "0" },
    rounds: { type: "string", default: "5" },
    s2: { type: "string", default: "0.1" },
    block: { type: "string", default: "64" },
    "no-trained": { type: "boolean", default: false },
  },
});
const N = 4096, D = 10;
const rounds = Number(values.rounds), s2 = Number(values.s2), block = Number(values.block);

const { x, y } = tishby12Arrays();
const p = initDense(Number(values.seed), [12, D], "reference");
const h = new Float32Array(N * D);
for (let i = 0; i < N; i++) {
  for (let j = 0; j < D; j++) {
    let s = p.b[0][j];
    for (let k = 0; k < 12; k++) s += x[i * 12 + k] * p.w[0][k * D + j];
    h[i * D + j] = Math.tanh(s);
  }
}

let ours = kdeMi(h, N, D, y, 2, s2, block);
let oursMs = Infinity;
for (let r = 0; r < rounds; r++) {
  const t0 = performance.now();
  ours = kdeMi(h, N, D, y, 2, s2, block);
  oursMs = Math.min(oursMs, performance.now() - t0);
}

const dir = await Deno.makeTempDir({ prefix: "mi_kde_bench_" });
try {
  await Deno.writeFile(`${dir}/acts.f32`, new Uint8Array(h.buffer));
  await Deno.writeFile(`${dir}/labels.i32`, new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  const peer = async (dtype: string) => {
    const out = await new Deno.Command("/usr/bin/python3", {
      args: [
        new URL("./peer_mi.py", import.meta.url).pathname,
        "kde",
        "--acts",
        `${dir}/acts.f32`,
        "--labels",
        `${dir}/labels.i32`,
        "--rows",
        String(N),
        "--widths",
        String(D),
        "--s2",
        String(s2),
        "--repeat",
        String(rounds),
        "--dtype",
        dtype,
      ],
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return JSON.parse(new TextDecoder().decode(out.stdout));
  };
  const p64 = await peer("float64");
  const p32 = await peer("float32");
  const diff = Math.max(
    Math.abs(ours.ixtUpper - p64.ixt_upper),
    Math.abs(ours.ixtLower - p64.ixt_lower),
    Math.abs(ours.ityUpper - p64.ity_upper),
    Math.abs(ours.ityLower - p64.ity_lower),
  );
  const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
  const round = (v: number) => +v.toFixed(6);
  line({ bench: "mi_kde", what: "ours", rows: N, dims: D, s2, block, ms: +oursMs.toFixed(1) });
  line({
    bench: "mi_kde",
    what: "peer",
    peer: p64.peer,
    dtype: "float64",
    ms: +p64.best_ms.toFixed(1),
  });
  line({
    bench: "mi_kde",
    what: "peer",
    peer: p32.peer,
    dtype: "float32",
    ms: +p32.best_ms.toFixed(1),
  });
  line({
    bench: "mi_kde",
    what: "ratio",
    ours_over_peer_f64: +(oursMs / p64.best_ms).toFixed(4),
    ours_over_peer_f32: +(oursMs / p32.best_ms).toFixed(4),
    max_abs_diff_bits_vs_f64: diff,
    ixt_upper: round(ours.ixtUpper),
    ixt_lower: round(ours.ixtLower),
    ity_upper: round(ours.ityUpper),
    ity_lower: round(ours.ityLower),
  });
} finally {
  await Deno.remove(dir, { recursive: true });
}

/** The activations of seed 0 at its first and last sampled epoch of the 12-bit protocol. */
async function protocolLayers(): Promise<
  { epoch: number; cache: ActivationCache; labels: Int32Array }[]
> {
  const kept: { epoch: number; cache: ActivationCache; labels: Int32Array }[] = [];
  let last = -1;
  const capture: Plugin = {
    id: "capture-activations",
    description: "keeps copies of the first and last sampled epoch (bench only)",
    options: {},
    consumes: ["activations"],
    emits: [],
    setup: () => ({
      activations: (e: ActivationsEvent) => {
        if (e.seed !== 0 || (kept.length && e.epoch <= last)) return;
        last = e.epoch;
        const cache: ActivationCache = new Map();
        for (const [k, a] of e.cache) cache.set(k, { ...a, data: a.data.slice() });
        if (kept.length === 2) kept.pop();
        kept.push({ epoch: e.epoch, cache, labels: e.labels.slice() });
      },
    }),
  };
  // the config defaults are the 12-bit reference protocol
  const config = configFromValue({
    name: "bench-kde-layers",
    seeds: [0],
    plugins: [{ id: capture.id, options: {} }],
  }, "<bench>");

  const tmp = await Deno.makeTempDir({ prefix: "mi_kde_layers_" });
  try {
    const store = openStore(`${tmp}/bench.db`);
    await runExperiment({ config, store, registry: createRegistry([capture]) });
    store.close();
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
  return kept;
}

if (!values["no-trained"]) {
  for (const { epoch, cache, labels } of await protocolLayers()) {
    for (const [layer, a] of cache) {
      let ms = Infinity;
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        kdeMi(a.data, a.rows, a.cols, labels, 2, s2, block);
        ms = Math.min(ms, performance.now() - t0);
      }
      console.log(JSON.stringify({
        bench: "mi_kde",
        what: "layer",
        epoch,
        layer,
        rows: a.rows,
        dims: a.cols,
        distinct_rows: groupRows(a.data, a.rows, a.cols, labels).count,
        ms: +ms.toFixed(1),
      }));
    }
  }
}
