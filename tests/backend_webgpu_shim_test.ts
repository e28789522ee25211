/**
 * core/webgpu/device_request.ts and shim.ts: tfjs-backend-webgpu 4.22's
 * own backend factory, run against a stand-in adapter that reports
 * `timestamp-query` and `bgra8unorm-storage` (as real GPUs do) and lacks
 * one limit tfjs copies, asks for a nested feature list and an undefined
 * limit; through the shim the adapter receives a flat list of features it
 * has and limits within its own. Where an adapter exists (lavapipe in
 * CI), the stand-in hands the cleaned request on to it and tfjs's backend
 * starts on the device it gets.
 */
import assert from "node:assert/strict";
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { hasWebGpuAdapter, initBackend } from "../core/backend.ts";
import { cleanDeviceRequest } from "../core/webgpu/device_request.ts";
import { type AdapterLike, type GpuLike, shimAdapter, shimGpu } from "../core/webgpu/shim.ts";

const HAVE = await hasWebGpuAdapter();

Deno.test("cleanDeviceRequest: flat features the adapter has, limits within the adapter's", () => {
  const caps = {
    features: new Set(["timestamp-query", "bgra8unorm-storage"]),
    limits: {
      maxBufferSize: 1000,
      maxComputeWorkgroupSizeX: 256n,
      minStorageBufferOffsetAlignment: 64,
    },
  };
  const r = cleanDeviceRequest({
    label: "x",
    requiredFeatures: [
      "timestamp-query",
      ["bgra8unorm-storage"],
      ["shader-f16"],
      "timestamp-query",
    ] as unknown as GPUFeatureName[],
    requiredLimits: {
      maxBufferSize: 4096, // above the adapter's: lowered
      maxComputeWorkgroupSizeX: 128, // below the adapter's (a bigint): kept
      minStorageBufferOffsetAlignment: 32, // finer than the adapter's: raised
      maxComputeWorkgroupStorageSize: undefined as unknown as number, // asked as undefined
      maxBindGroups: 4, // not reported by the adapter
    },
  }, caps);
  assert.deepEqual(r.descriptor, {
    label: "x",
    requiredFeatures: ["timestamp-query", "bgra8unorm-storage"],
    requiredLimits: {
      maxBufferSize: 1000,
      maxComputeWorkgroupSizeX: 128,
      minStorageBufferOffsetAlignment: 64,
    },
  });
  assert.deepEqual(r.droppedFeatures, ["shader-f16"]);
  assert.deepEqual(r.droppedLimits, ["maxComputeWorkgroupStorageSize", "maxBindGroups"]);
  assert.deepEqual(r.clampedLimits, ["maxBufferSize", "minStorageBufferOffsetAlignment"]);
  // nothing asked: nothing added
  assert.deepEqual(cleanDeviceRequest(undefined, caps).descriptor, {});
});

/** An adapter that reports what real GPUs report and records the request it gets. */
function standIn(real: AdapterLike | null) {
  const seen: GPUDeviceDescriptor[] = [];
  const limits = {
    maxComputeWorkgroupsPerDimension: 65535,
    maxStorageBufferBindingSize: 134217728,
    maxBufferSize: 268435456,
    maxComputeWorkgroupSizeX: 256,
    maxComputeInvocationsPerWorkgroup: 256,
    // maxComputeWorkgroupStorageSize left out: tfjs copies it as undefined
  };
  const adapter: AdapterLike = {
    features: new Set(["timestamp-query", "bgra8unorm-storage", "depth-clip-control"]),
    limits,
    info: { vendor: "nvidia", architecture: "hopper", description: "stand-in GPU" },
    requestDevice(descriptor?: GPUDeviceDescriptor) {
      seen.push(structuredClone(descriptor ?? {}));
      if (!real) return Promise.reject(new Error("stand-in: no device behind it"));
      return shimAdapter(real).requestDevice(descriptor);
    },
  };
  const gpu: GpuLike = { requestAdapter: () => Promise.resolve(adapter) };
  return { gpu, seen, limits };
}

/** Runs tfjs's registered webgpu factory with `navigator.gpu` set to `gpu`. */
async function runFactory(gpu: GpuLike): Promise<tf.KernelBackend | Error> {
  await import("../deps/tensorflow_tfjs_backend_webgpu.ts");
  const entry = tf.engine().registryFactory["webgpu"];
  assert.ok(entry, "tfjs-backend-webgpu registered no webgpu factory (navigator.gpu missing?)");
  const nav = globalThis.navigator as unknown as Record<string, unknown>;
  const before = Object.getOwnPropertyDescriptor(nav, "gpu");
  Object.defineProperty(nav, "gpu", { value: gpu, configurable: true, writable: true });
  try {
    return await entry.factory();
  } catch (e) {
    return e as Error;
  } finally {
    if (before) Object.defineProperty(nav, "gpu", before);
    else delete nav.gpu;
  }
}

Deno.test("tfjs's own webgpu factory asks a nested feature list; through the shim it is flat", async () => {
  // without the shim: what tfjs 4.22 asks for (if this fails, tfjs changed and the shim may go)
  const raw = standIn(null);
  assert.ok((await runFactory(raw.gpu)) instanceof Error);
  const rawFeatures = [...(raw.seen[0].requiredFeatures ?? [])] as unknown[];
  assert.ok(
    rawFeatures.some(Array.isArray),
    `expected a nested entry in ${JSON.stringify(rawFeatures)}`,
  );
  assert.ok("maxComputeWorkgroupStorageSize" in (raw.seen[0].requiredLimits ?? {}));

  // with the shim, and a real adapter behind the stand-in where there is one
  const real = HAVE ? await navigator.gpu.requestAdapter() : null;
  const s = standIn(real as AdapterLike | null);
  const got = await runFactory(shimGpu(s.gpu));
  assert.equal(s.seen.length, 1);
  const asked = s.seen[0];
  assert.deepEqual(asked.requiredFeatures, ["timestamp-query", "bgra8unorm-storage"]);
  const limits = asked.requiredLimits as Record<string, number>;
  assert.deepEqual(Object.keys(limits).sort(), Object.keys(s.limits).sort());
  for (const [k, v] of Object.entries(limits)) {
    assert.equal(typeof v, "number", k);
    assert.ok(v <= s.limits[k as keyof typeof s.limits], `${k} = ${v} above the adapter's`);
  }
  if (!real) {
    assert.match(String(got), /stand-in: no device/);
    return;
  }
  assert.ok(!(got instanceof Error), `tfjs's backend did not start: ${got}`);
  const backend = got as tf.KernelBackend & { device?: GPUDevice };
  assert.ok(backend.device, "the backend holds a GPUDevice");
  // the real adapter has timestamp-query on lavapipe; what it lacks was dropped, not asked
  for (const f of backend.device!.features) assert.ok(real.features.has(f));
  backend.dispose();
});

Deno.test({
  name: "initBackend('webgpu') starts through the shim and computes",
  ignore: !HAVE,
  async fn() {
    try {
      assert.equal(await initBackend("webgpu"), "webgpu");
      const a = tf.tensor2d([[1, 2], [3, 4]]);
      const b = tf.matMul(a, a);
      assert.deepEqual([...(await b.data())], [7, 10, 15, 22]);
      tf.dispose([a, b]);
      // navigator.gpu is the shim: a nested list of a feature the adapter has is accepted
      const adapter = await navigator.gpu.requestAdapter();
      const f = [...adapter!.features][0];
      const device = await adapter!.requestDevice({
        requiredFeatures: [[f], ["no-such-feature"]] as unknown as GPUFeatureName[],
      });
      assert.deepEqual([...device.features].includes(f), true);
      device.destroy();
    } finally {
      await initBackend("wasm");
    }
  },
});
