/**
 * `navigator.gpu` as tfjs-backend-webgpu should see it: adapters whose
 * `requestDevice` asks only for what the adapter can grant
 * ({@link cleanDeviceRequest}). tfjs's backend factory reads
 * `navigator.gpu` each time it runs, so {@link installGpuShim} replaces
 * the global once, before the backend is first started; every other user
 * of `navigator.gpu` (our own kernels) gets the same well-behaved adapters.
 *
 * @module
 */
import { type AdapterCaps, cleanDeviceRequest, type CleanedRequest } from "./device_request.ts";

/** The parts of a GPUAdapter the shim forwards. */
export interface AdapterLike extends AdapterCaps {
  info?: unknown;
  isFallbackAdapter?: boolean;
  requestDevice(descriptor?: GPUDeviceDescriptor): Promise<GPUDevice>;
}

/** The parts of `navigator.gpu` the shim forwards. */
export interface GpuLike {
  requestAdapter(options?: GPURequestAdapterOptions): Promise<AdapterLike | null>;
  getPreferredCanvasFormat?(): GPUTextureFormat;
  wgslLanguageFeatures?: unknown;
}

const SHIMMED = Symbol("layerlens.gpuShim");

/** The last device request a shimmed adapter cleaned (for the run record and tests). */
export let lastCleanedRequest: CleanedRequest | null = null;

/**
 * `adapter` with a `requestDevice` that passes on only what the adapter
 * can grant; everything else is read through to the adapter.
 *
 * @example
 * ```ts
 * const adapter = shimAdapter((await navigator.gpu.requestAdapter())!);
 * await adapter.requestDevice({ requiredFeatures: [["timestamp-query"]] as never });
 * ```
 */
export function shimAdapter<A extends AdapterLike>(adapter: A): A {
  if ((adapter as unknown as Record<symbol, unknown>)[SHIMMED]) return adapter;
  return new Proxy(adapter, {
    get(target, key) {
      if (key === SHIMMED) return true;
      if (key === "requestDevice") {
        return (descriptor?: GPUDeviceDescriptor) => {
          const cleaned = cleanDeviceRequest(descriptor, target);
          lastCleanedRequest = cleaned;
          return target.requestDevice(cleaned.descriptor);
        };
      }
      const v = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/**
 * `gpu` whose adapters are {@link shimAdapter}ed.
 *
 * @example
 * ```ts
 * const gpu = shimGpu(navigator.gpu);
 * const adapter = await gpu.requestAdapter();
 * ```
 */
export function shimGpu(gpu: GpuLike): GpuLike {
  if ((gpu as unknown as Record<symbol, unknown>)[SHIMMED]) return gpu;
  return new Proxy(gpu, {
    get(target, key) {
      if (key === SHIMMED) return true;
      if (key === "requestAdapter") {
        return async (options?: GPURequestAdapterOptions) => {
          const a = await target.requestAdapter(options);
          return a ? shimAdapter(a) : null;
        };
      }
      const v = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/**
 * Replaces `navigator.gpu` by its {@link shimGpu} (once; later calls do
 * nothing). Returns whether a `navigator.gpu` exists.
 *
 * @example
 * ```ts
 * installGpuShim();
 * await tf.setBackend("webgpu");
 * ```
 */
export function installGpuShim(): boolean {
  const nav = globalThis.navigator as { gpu?: GpuLike } | undefined;
  if (!nav?.gpu) return false;
  const gpu = nav.gpu;
  if ((gpu as unknown as Record<symbol, unknown>)[SHIMMED]) return true;
  Object.defineProperty(nav, "gpu", { value: shimGpu(gpu), configurable: true, writable: true });
  return true;
}
