/**
 * A GPUDevice for our own WGSL kernels (separate from tfjs's), and the few
 * buffer chores every kernel repeats: upload a typed array, run one
 * compute pass, read a buffer back.
 *
 * @module
 */
import { hasWebGpuAdapter } from "../backend.ts";
import { LensError } from "../errors.ts";
import { installGpuShim } from "./shim.ts";

let devicePromise: Promise<GPUDevice> | undefined;

/**
 * The shared device for our kernels (requested once, with the adapter's
 * largest storage-buffer limits; requested again after a device loss).
 * Rejects with a LensError naming what to install when there is no adapter.
 *
 * @example
 * ```ts
 * const device = await kernelDevice();
 * ```
 */
export function kernelDevice(): Promise<GPUDevice> {
  devicePromise ??= (async () => {
    if (!(await hasWebGpuAdapter())) {
      throw new LensError("no WebGPU adapter for device: webgpu", {
        code: "backend",
        field: "device",
        expected: "a WebGPU adapter (a GPU, or Mesa's lavapipe: apt-get install -y " +
          "mesa-vulkan-drivers and XDG_RUNTIME_DIR set), or device: wasm",
      });
    }
    installGpuShim();
    const adapter = (await navigator.gpu.requestAdapter({ powerPreference: "high-performance" }))!;
    const device = await adapter.requestDevice({
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
        maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      },
    });
    device.lost.then(() => (devicePromise = undefined));
    return device;
  })();
  devicePromise.catch(() => (devicePromise = undefined));
  return devicePromise;
}

/**
 * A storage buffer holding `data` (padded to 4 bytes; at least 4 bytes).
 *
 * @example
 * ```ts
 * const buf = uploadBuffer(device, new Float32Array([1, 2, 3]));
 * ```
 */
export function uploadBuffer(
  device: GPUDevice,
  data: Float32Array | Uint32Array | Int32Array,
  usage: number = GPUBufferUsage.STORAGE,
): GPUBuffer {
  const size = Math.max(4, Math.ceil(data.byteLength / 4) * 4);
  // mapped at creation: queue.writeBuffer of a large typed array lost data past 256 KiB here
  const buf = device.createBuffer({
    size,
    usage: usage | GPUBufferUsage.COPY_DST,
    mappedAtCreation: true,
  });
  new Uint8Array(buf.getMappedRange()).set(
    new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  );
  buf.unmap();
  return buf;
}

/**
 * Checks that a buffer of `bytes` fits the device's binding limit; a
 * LensError naming `what` and the limit otherwise.
 */
export function checkBindingSize(device: GPUDevice, bytes: number, what: string): void {
  const limit = device.limits.maxStorageBufferBindingSize;
  if (bytes > limit) {
    throw new LensError(`${what} needs a ${bytes}-byte GPU buffer`, {
      code: "backend",
      field: "device",
      expected: `at most ${limit} bytes on this adapter; use device: wasm or fewer rows`,
    });
  }
}

/**
 * Copies `bytes` of `src` back to the host as a Float32Array.
 *
 * @example
 * ```ts
 * const values = await readBack(device, out, 16);
 * ```
 */
export async function readBack(
  device: GPUDevice,
  src: GPUBuffer,
  bytes: number,
): Promise<Float32Array> {
  const staging = device.createBuffer({
    size: bytes,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, staging, 0, bytes);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Float32Array(staging.getMappedRange().slice(0));
  staging.unmap();
  staging.destroy();
  return out;
}

const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/**
 * Runs the WGSL compute shader `code` (entry point `main`, bind group 0
 * holding `buffers` at bindings 0, 1, ...) over `workgroups` workgroups.
 * Pipelines are compiled once per device and source text.
 */
export async function dispatch(
  device: GPUDevice,
  code: string,
  buffers: GPUBuffer[],
  workgroups: [number, number?, number?],
): Promise<void> {
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, cache = new Map());
  let pipeline = cache.get(code);
  if (!pipeline) {
    device.pushErrorScope("validation");
    const module = device.createShaderModule({ code });
    pipeline = device.createComputePipeline({
      layout: "auto",
      compute: { module, entryPoint: "main" },
    });
    const err = await device.popErrorScope();
    if (err) throw new Error(`WGSL kernel did not compile: ${err.message}`);
    cache.set(code, pipeline);
  }
  const bind = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bind);
  pass.dispatchWorkgroups(workgroups[0], workgroups[1] ?? 1, workgroups[2] ?? 1);
  pass.end();
  device.queue.submit([enc.finish()]);
}
