/**
 * `backend: auto` (core/webgpu/adapter_info.ts, choose.ts, backend.ts):
 * software adapters are recognised from what real adapters report
 * (lavapipe's info as Deno 2.9.5 gives it, a fallback flag), a real GPU
 * is taken only for steps of at least WEBGPU_MIN_MACS multiply-adds, the
 * work of a step is counted by hand for an MLP and a CNN, and a run on
 * this machine records which backend auto chose and why.
 */
import assert from "node:assert/strict";
import { initBackend, tfVersions, webGpuAdapter } from "../core/backend.ts";
import { parseConfig } from "../core/config.ts";
import { runExperiment } from "../core/engine.ts";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { summarizeAdapter } from "../core/webgpu/adapter_info.ts";
import type { ModelSpec } from "../core/types.ts";
import { decideBackend, stepMacs, WEBGPU_MIN_MACS } from "../core/webgpu/choose.ts";

const LAVAPIPE = {
  info: {
    vendor: "65541",
    architecture: "",
    device: "0",
    description: "llvmpipe (LLVM 15.0.6, 256 bits)",
    isFallbackAdapter: true,
  },
};
const H200 = {
  info: { vendor: "nvidia", architecture: "hopper", device: "0x2335", description: "NVIDIA H200" },
};

Deno.test("summarizeAdapter: software adapters from their flag, name or Mesa's vendor id", () => {
  const lp = summarizeAdapter(LAVAPIPE);
  assert.equal(lp.software, true);
  assert.match(lp.softwareReason, /fallback/);
  // without the flag the name still gives it away, and so does the vendor id 0x10005
  assert.match(
    summarizeAdapter({ info: { ...LAVAPIPE.info, isFallbackAdapter: false } }).softwareReason,
    /llvmpipe/,
  );
  assert.match(
    summarizeAdapter({ info: { vendor: "65541", description: "" } }).softwareReason,
    /Mesa/,
  );
  assert.equal(
    summarizeAdapter({ info: { description: "SwiftShader Device (Subzero)" } }).software,
    true,
  );
  const gpu = summarizeAdapter(H200);
  assert.deepEqual(
    [gpu.software, gpu.vendor, gpu.architecture, gpu.description],
    [false, "nvidia", "hopper", "NVIDIA H200"],
  );
  // a Mesa hardware driver reports the PCI vendor (AMD 0x1002), not 0x10005
  assert.equal(
    summarizeAdapter({ info: { vendor: "4098", description: "AMD Radeon (RADV NAVI21)" } })
      .software,
    false,
  );
});

Deno.test("decideBackend: webgpu only on a real GPU and a large enough step", () => {
  const gpu = summarizeAdapter(H200);
  assert.equal(decideBackend(null, 1e12).backend, "wasm");
  assert.equal(decideBackend(summarizeAdapter(LAVAPIPE), 1e12).backend, "wasm");
  assert.match(decideBackend(summarizeAdapter(LAVAPIPE), 1e12).reason, /CPU adapter/);
  assert.equal(decideBackend(gpu, WEBGPU_MIN_MACS - 1).backend, "wasm");
  assert.equal(decideBackend(gpu, undefined).backend, "wasm");
  const big = decideBackend(gpu, WEBGPU_MIN_MACS);
  assert.equal(big.backend, "webgpu");
  assert.match(big.reason, /NVIDIA H200.*multiply-adds/);
});

Deno.test("stepMacs counts multiply-adds of a batch: MLP and CNN by hand", () => {
  // 12-10-7-5-4-3-2: 120 + 70 + 35 + 20 + 12 + 6 = 263 per sample
  const mlp: ModelSpec = {
    type: "mlp",
    hidden: [10, 7, 5, 4, 3],
    activation: "tanh",
    init: "reference",
  };
  assert.equal(stepMacs(mlp, [12], 2, 512), 263 * 512);
  // 28x28x1, conv 5x5x8 -> 24x24x8 (25*8 per position), pool -> 12x12x8 = 1152, dense 32, output 10
  const cnn: ModelSpec = {
    type: "cnn",
    conv: [{ filters: 8, kernel: 5 }],
    dense: [32],
    activation: "relu",
    init: "tfjs",
  };
  assert.equal(stepMacs(cnn, [28, 28, 1], 10, 2), 2 * (25 * 8 * 24 * 24 + 1152 * 32 + 320));
});

Deno.test("config: backend auto is accepted; initBackend('auto') records its choice", async () => {
  assert.equal(parseConfig("backend: auto\n", "x.yaml").backend, "auto");
  assert.throws(() => parseConfig("backend: gpu\n", "x.yaml"), /auto/);
  try {
    const adapter = await webGpuAdapter();
    // a small step stays on wasm whatever the adapter
    assert.equal(await initBackend("auto", { macsPerStep: 1e3 }), "wasm");
    // a huge step: webgpu only on a real GPU (bench/gpu_check.sh runs this there)
    const gpu = adapter !== null && !adapter.software;
    assert.equal(await initBackend("auto", { macsPerStep: 1e12 }), gpu ? "webgpu" : "wasm");
    const v = tfVersions();
    assert.match(
      v.backendChoice,
      gpu ? /auto: GPU .*>= / : adapter ? /CPU adapter/ : /no WebGPU adapter/,
    );
    if (gpu) {
      assert.equal(v.webgpuVendor, adapter.vendor);
      await initBackend("wasm");
      return;
    }
    // an explicit choice afterwards drops the auto reason only when the backend changes
    assert.equal(await initBackend("wasm"), "wasm");
    assert.ok(tfVersions().backendChoice);
    await initBackend("cpu");
    assert.equal(tfVersions().backendChoice, undefined);
  } finally {
    await initBackend("wasm");
  }
});

Deno.test("a run with backend: auto records the backend, the adapter and why", async () => {
  const dir = await Deno.makeTempDir();
  const store = openStore(`${dir}/runs.db`);
  try {
    const config = parseConfig(
      `
name: auto
data: { name: tishby12 }
model: { type: mlp, hidden: [10, 7], activation: tanh }
training: { epochs: 2, batch_size: 512 }
schedule: { type: every, every: 1 }
seeds: [0]
engine: tfjs
backend: auto
plugins: [mi-binned]
`,
      "auto.yaml",
    );
    const registry = createRegistry(builtinPlugins());
    const { runId, status } = await runExperiment({ config, store, registry });
    assert.equal(status, "completed");
    const run = store.getRun(runId)!;
    const adapter = await webGpuAdapter();
    // 512 x (12*10 + 10*7 + 7*2) multiply-adds: small, so wasm whatever the adapter
    assert.equal(run.backend, "wasm");
    assert.match(
      run.versions.backendChoice,
      !adapter ? /no WebGPU adapter/ : adapter.software ? /CPU adapter/ : /1\.0e5 multiply-adds/,
    );
    // the adapter auto weighed is recorded even though wasm ran
    assert.equal(run.versions.webgpuVendor, adapter?.vendor);
    assert.equal(run.versions.webgpuArchitecture, adapter?.architecture);
  } finally {
    store.close();
    await initBackend("wasm");
    await Deno.remove(dir, { recursive: true });
  }
});
