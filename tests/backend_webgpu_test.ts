/**
 * The webgpu backend (Mesa's lavapipe where there is no GPU) trains the
 * 12-bit task like wasm does: 5 epochs of the 12-10-7-5-4-3-2 tanh net
 * (Adam 4e-4, batch 512, 3277 rows, seed 0) on each, then every hook
 * point's activations on all 4096 inputs.
 *
 * Tolerance: both backends compute in float32 but with their own kernels
 * (WGSL matmul tiling and reduction order, the GPU driver's tanh / exp)
 * against XNNPACK's, so single values differ by a few float32 ulps
 * (~1e-7 at these magnitudes); 35 Adam steps of lr 4e-4 carry that into
 * weights without amplifying it much (each step is at most lr). Measured
 * here: losses within ~1e-7, activations within ~1e-6. Allowed: 1e-5 on
 * losses and 1e-4 on activations - an order of magnitude above float32
 * noise and far below any real difference (one wrong step moves the loss
 * by ~1e-3).
 *
 * Without an adapter the test fails when CI is set (CI installs lavapipe)
 * and is skipped otherwise, saying how to get one.
 */
import assert from "node:assert/strict";
import {
  hasWebGpuAdapter,
  initBackend,
  tfVersions,
  webGpuAdapterDescription,
} from "../core/backend.ts";
import { loadTishby12 } from "../core/data/tishby12.ts";
import { createTfjsTrainer } from "../core/train/tfjs_trainer.ts";
import type { ActivationCache, BackendName } from "../core/types.ts";

const HAVE = await hasWebGpuAdapter();
const CI = Boolean(Deno.env.get("CI"));
const HOWTO =
  "no WebGPU adapter: install Mesa's lavapipe (apt-get install -y mesa-vulkan-drivers)" +
  " and set XDG_RUNTIME_DIR";
if (!HAVE && !CI) console.log(`backend_webgpu_test: skipped, ${HOWTO}`);

const TOL = { loss: 1e-5, activation: 1e-4 };

async function train(backend: BackendName): Promise<{ losses: number[]; cache: ActivationCache }> {
  const data = loadTishby12({ name: "tishby12", split: "reference", trainFraction: 0.8 }, 0);
  const t = await createTfjsTrainer({
    model: { type: "mlp", hidden: [10, 7, 5, 4, 3], activation: "tanh", init: "reference" },
    training: { epochs: 5, batchSize: 512, lr: 4e-4, optimizer: "adam", shuffle: false },
    datasets: [data],
    seeds: [0],
    backend,
  });
  try {
    assert.equal(t.backend, backend);
    const losses: number[] = [];
    for (let e = 0; e < 5; e++) losses.push((await t.trainEpoch(e)).loss[0]);
    const [cache] = await t.capture(data.probe.x, data.probe.n);
    return { losses, cache };
  } finally {
    t.dispose();
  }
}

Deno.test({
  name: "webgpu trains the 12-bit task as wasm does (losses, activations)",
  ignore: !HAVE && !CI,
  async fn() {
    if (!HAVE) assert.fail(`CI is set but there is ${HOWTO}`);
    try {
      const gpu = await train("webgpu");
      const versions = tfVersions();
      const cpu = await train("wasm");
      let dl = 0, da = 0;
      gpu.losses.forEach((l, e) => (dl = Math.max(dl, Math.abs(l - cpu.losses[e]))));
      for (const [name, a] of cpu.cache) {
        const b = gpu.cache.get(name)!;
        assert.equal(b.data.length, a.data.length);
        for (let i = 0; i < a.data.length; i++) da = Math.max(da, Math.abs(a.data[i] - b.data[i]));
      }
      console.log(
        `webgpu (${versions.webgpuAdapter ?? await webGpuAdapterDescription()}) vs wasm: ` +
          `max |loss diff| ${dl.toExponential(2)}, max |activation diff| ${da.toExponential(2)}`,
      );
      assert.ok(dl < TOL.loss, `losses differ by ${dl}`);
      assert.ok(da < TOL.activation, `activations differ by ${da}`);
      // training moved: the comparison is not between two untrained nets
      assert.ok(cpu.losses[0] - cpu.losses[4] > 1e-3);
    } finally {
      await initBackend("wasm");
    }
  },
});

Deno.test({
  name: "without an adapter, initBackend('webgpu') says how to get one",
  ignore: HAVE,
  async fn() {
    await assert.rejects(initBackend("webgpu"), /mesa-vulkan-drivers.*XDG_RUNTIME_DIR/);
    assert.equal(await initBackend("wasm"), "wasm");
  },
});
