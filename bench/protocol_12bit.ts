/**
 * End-to-end speed of the 12-bit information-plane protocol, side by side
 * with the PyTorch peer (bench/peer_torch_12bit.py): training plus
 * binned I(X;T), I(T;Y) at every sampled epoch, through the real engine,
 * plugin and store.
 *
 *   deno run -A bench/protocol_12bit.ts --seeds 1 [--epochs 8000] [--peer-seeds 1] [--no-peer]
 *
 * The peer trains seeds one after another, so its time for N seeds is
 * measured on `--peer-seeds` seeds and scaled linearly (printed as such).
 * Prints one JSON line.
 */
import { parseArgs } from "node:util";
import { runExperiment } from "../core/engine.ts";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import type { RunConfig } from "../core/types.ts";

const { values } = parseArgs({
  options: {
    seeds: { type: "string", default: "1" },
    epochs: { type: "string", default: "8000" },
    "peer-seeds": { type: "string", default: "1" },
    "no-peer": { type: "boolean", default: false },
    "peer-json": { type: "string" },
  },
});
const seeds = Number(values.seeds);
const epochs = Number(values.epochs);

const config: RunConfig = {
  name: "bench-12bit",
  data: { name: "tishby12", split: "reference", trainFraction: 0.8 },
  model: { type: "mlp", hidden: [10, 7, 5, 4, 3], activation: "tanh", init: "reference" },
  training: { epochs, batchSize: 512, lr: 0.0004, optimizer: "adam", shuffle: false },
  schedule: { type: "log", points: 400 },
  seeds: Array.from({ length: seeds }, (_, i) => i),
  backend: "wasm",
  engine: "auto",
  plugins: [{ id: "mi-binned", options: {} }],
};

const dir = await Deno.makeTempDir();
const store = openStore(`${dir}/bench.db`);
const t0 = performance.now();
const outcome = await runExperiment({ config, store, registry: createRegistry(builtinPlugins()) });
const wall = (performance.now() - t0) / 1000;
store.close();
await Deno.remove(dir, { recursive: true });

let peer: Record<string, unknown> | undefined;
if (values["peer-json"]) {
  peer = JSON.parse(await Deno.readTextFile(values["peer-json"]));
} else if (!values["no-peer"]) {
  const script = new URL("./peer_torch_12bit.py", import.meta.url).pathname;
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [script, "--epochs", String(epochs), "--seeds", values["peer-seeds"]!],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  if (!out.success) throw new Error("peer failed (needs Debian's python3-torch and python3-numpy)");
  peer = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
}
const peerPerSeed = peer ? Number(peer.total_s) / Number(peer.seeds) : NaN;
const peerScaled = peerPerSeed * seeds;
console.log(JSON.stringify({
  bench: "protocol_12bit",
  seeds,
  epochs,
  layerlens_s: Number(wall.toFixed(2)),
  timings: outcome.timings,
  peer_seeds_measured: peer?.seeds ?? null,
  peer_s_for_these_seeds: Number.isFinite(peerScaled) ? Number(peerScaled.toFixed(2)) : null,
  ratio: Number.isFinite(peerScaled) ? Number((wall / peerScaled).toFixed(3)) : null,
  goal: seeds >= 20 ? 0.2 : 0.5,
}));
