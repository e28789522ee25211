/**
 * Speed of the binned information-plane estimate for one sampled epoch of
 * the 12-bit net: 6 layers (widths 10, 7, 5, 4, 3, 2), N = 4096 probe rows,
 * tanh activations (softmax output) of an untrained initDense(seed,
 * [12, 10, 7, 5, 4, 3, 2], "reference") net, reference grid (30 edges),
 * next to the numpy peer (bench/peer_mi.py binned: np.digitize +
 * np.unique(axis=0), as bench/peer_torch_12bit.py).
 *
 *   deno run -A bench/mi_binned.ts [--seed 0] [--rounds 5] [--reps 20]
 *
 * Prints JSON lines: the kernel (bin codes + entropies), the plugin's
 * activations handler (plus input checks and emitting), the peer, and the
 * ratio, with the largest difference between our values and numpy's.
 * Best of `--rounds` rounds of `--reps` epochs each (shared cores: best,
 * not mean).
 */
import { parseArgs } from "node:util";
import { tishby12Arrays } from "../core/data/tishby12.ts";
import { initDense } from "../core/model/init.ts";
import type { ActivationCache, PluginContext } from "../core/types.ts";
import { binCodes } from "../plugins/infoplane/bin_codes.ts";
import { binnedMi } from "../plugins/infoplane/binned_mi.ts";
import { referenceEdges } from "../plugins/infoplane/grid_edges.ts";
import { miBinnedPlugin } from "../plugins/infoplane/mi_binned_plugin.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "0" },
    rounds: { type: "string", default: "5" },
    reps: { type: "string", default: "20" },
  },
});
const SIZES = [12, 10, 7, 5, 4, 3, 2];
const N = 4096;
const rounds = Number(values.rounds), reps = Number(values.reps);

/** Hidden tanh layers and the softmax output on all inputs (float32). */
function forward(seed: number, x: Float32Array): Float32Array[] {
  const p = initDense(seed, SIZES, "reference");
  const out: Float32Array[] = [];
  let h = x;
  for (let l = 0; l + 1 < SIZES.length; l++) {
    const a = SIZES[l], b = SIZES[l + 1], w = p.w[l];
    const o = new Float32Array(N * b);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < b; j++) {
        let s = p.b[l][j];
        for (let k = 0; k < a; k++) s += h[i * a + k] * w[k * b + j];
        o[i * b + j] = s;
      }
      if (l + 2 < SIZES.length) {
        for (let j = 0; j < b; j++) o[i * b + j] = Math.tanh(o[i * b + j]);
      } else {
        let m = -Infinity, sum = 0;
        for (let j = 0; j < b; j++) m = Math.max(m, o[i * b + j]);
        for (let j = 0; j < b; j++) sum += Math.exp(o[i * b + j] - m);
        for (let j = 0; j < b; j++) o[i * b + j] = Math.exp(o[i * b + j] - m) / sum;
      }
    }
    out.push(o);
    h = o;
  }
  return out;
}

function best(fn: () => void): number {
  let b = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let k = 0; k < reps; k++) fn();
    b = Math.min(b, (performance.now() - t0) / reps);
  }
  return b;
}

const { x, y } = tishby12Arrays();
const layers = forward(Number(values.seed), x);
const edges = referenceEdges();
const codes = layers.map((t) => new Int32Array(t.length));
let ours: { ixt: number; ity: number }[] = [];
const kernelMs = best(() => {
  ours = layers.map((t, l) => {
    binCodes(t, { kind: "edges", edges }, codes[l]);
    return binnedMi(codes[l], N, SIZES[l + 1], y, 2);
  });
});

const ctx: PluginContext = {
  runId: "bench",
  emit: () => {},
  results: () => [],
  log: () => {},
  artifacts: new Map(),
};
const inst = await miBinnedPlugin.setup(ctx, {});
const cache: ActivationCache = new Map(
  layers.map((
    t,
    l,
  ) => [l === 5 ? "output" : `dense_${l + 1}`, { data: t, rows: N, cols: SIZES[l + 1] }]),
);
const pluginMs = best(() =>
  inst.activations!({ seed: 0, epoch: 0, cache, labels: y, numClasses: 2 })
);

const dir = await Deno.makeTempDir({ prefix: "mi_binned_bench_" });
try {
  const flat = new Float32Array(layers.reduce((s, t) => s + t.length, 0));
  let off = 0;
  for (const t of layers) {
    flat.set(t, off);
    off += t.length;
  }
  await Deno.writeFile(`${dir}/acts.f32`, new Uint8Array(flat.buffer));
  await Deno.writeFile(`${dir}/labels.i32`, new Uint8Array(y.buffer, y.byteOffset, y.byteLength));
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [
      new URL("./peer_mi.py", import.meta.url).pathname,
      "binned",
      "--acts",
      `${dir}/acts.f32`,
      "--labels",
      `${dir}/labels.i32`,
      "--rows",
      String(N),
      "--widths",
      SIZES.slice(1).join(","),
      "--repeat",
      String(rounds),
    ],
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const peer = JSON.parse(new TextDecoder().decode(out.stdout));
  const maxDiff = Math.max(
    ...ours.map((r, l) => Math.max(Math.abs(r.ixt - peer.ixt[l]), Math.abs(r.ity - peer.ity[l]))),
  );
  const line = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
  line({
    bench: "mi_binned",
    what: "kernel",
    layers: 6,
    rows: N,
    ms_per_epoch: +kernelMs.toFixed(3),
  });
  line({
    bench: "mi_binned",
    what: "plugin",
    layers: 6,
    rows: N,
    ms_per_epoch: +pluginMs.toFixed(3),
  });
  line({
    bench: "mi_binned",
    what: "peer",
    peer: peer.peer,
    ms_per_epoch: +peer.best_ms.toFixed(3),
  });
  line({
    bench: "mi_binned",
    what: "ratio",
    kernel_over_peer: +(kernelMs / peer.best_ms).toFixed(4),
    plugin_over_peer: +(pluginMs / peer.best_ms).toFixed(4),
    max_abs_diff_bits: maxDiff,
    ixt: ours.map((r) => +r.ixt.toFixed(4)),
    ity: ours.map((r) => +r.ity.toFixed(4)),
  });
} finally {
  await Deno.remove(dir, { recursive: true });
}
