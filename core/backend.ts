/**
 * tfjs backends: `wasm` (the default), `cpu`, and `webgpu` where a WebGPU
 * adapter exists (on a machine without a GPU, Mesa's lavapipe provides a
 * software one). Deno 2.9.5 exposes `navigator.gpu` without any flag; the
 * Vulkan loader wants `XDG_RUNTIME_DIR`, which is set to a fresh temporary
 * folder when missing.
 *
 * The tfjs backend is process-wide: every tfjs model and trainer runs on
 * the backend last chosen here.
 *
 * @module
 */
import * as tf from "../deps/tensorflow_tfjs_core.ts";
import { version_cpu } from "../deps/tensorflow_tfjs_backend_cpu.ts";
import { setWasmPaths, version_wasm } from "../deps/tensorflow_tfjs_backend_wasm.ts";
import { LensError } from "./errors.ts";
import type { BackendName, BackendSetting } from "./types.ts";
import { type AdapterSummary, describeAdapter, summarizeAdapter } from "./webgpu/adapter_info.ts";
import { type BackendDecision, decideBackend } from "./webgpu/choose.ts";
import { installGpuShim, lastCleanedRequest } from "./webgpu/shim.ts";

/**
 * Where the wasm binaries of @tensorflow/tfjs-backend-wasm live: the package's
 * own folder (node_modules, or Deno's npm cache when this module is imported
 * from outside the repository).
 */
const WASM_DIR = new URL(
  "./",
  import.meta.resolve("npm:@tensorflow/tfjs-backend-wasm@4.22.0/dist/tfjs-backend-wasm.wasm"),
);

/** How to get a WebGPU adapter on a machine without a GPU. */
const WEBGPU_HOWTO = "a WebGPU adapter: on Debian/Ubuntu without a GPU install Mesa's lavapipe " +
  "(`apt-get install -y mesa-vulkan-drivers`) and set XDG_RUNTIME_DIR (e.g. " +
  "`export XDG_RUNTIME_DIR=$(mktemp -d)`); or use backend wasm or cpu";

const BACKENDS: readonly BackendSetting[] = ["wasm", "cpu", "webgpu", "auto"];

let wasmPathsSet = false;
let adapterProbe: Promise<AdapterSummary | null> | undefined;
let adapterSeen: AdapterSummary | null = null;
let lastDecision: BackendDecision | null = null;
let webgpuVersion: string | undefined;
let pending: Promise<string> = Promise.resolve("");

interface GpuLike {
  requestAdapter(): Promise<Parameters<typeof summarizeAdapter>[0] | null>;
}

function ensureXdgRuntimeDir(): void {
  try {
    if (Deno.env.get("XDG_RUNTIME_DIR")) return;
    Deno.env.set("XDG_RUNTIME_DIR", Deno.makeTempDirSync({ prefix: "layerlens-xdg-" }));
  } catch {
    // without env/write permission the loader only prints a warning; the probe still decides
  }
}

function probeAdapter(): Promise<AdapterSummary | null> {
  adapterProbe ??= (async () => {
    const gpu = (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
    if (!gpu) return null;
    ensureXdgRuntimeDir();
    const adapter = await gpu.requestAdapter();
    if (!adapter) return null;
    adapterSeen = summarizeAdapter(adapter);
    return adapterSeen;
  })();
  return adapterProbe;
}

/**
 * The WebGPU adapter's identity and whether it is a software (CPU)
 * adapter, or null when there is none (probed once).
 *
 * @example
 * ```ts
 * (await webGpuAdapter())?.software; // true on Mesa's lavapipe
 * ```
 */
export async function webGpuAdapter(): Promise<AdapterSummary | null> {
  return await probeAdapter().catch(() => null);
}

/**
 * Whether `navigator.gpu` yields a WebGPU adapter here (probed once).
 *
 * @example
 * ```ts
 * if (await hasWebGpuAdapter()) await initBackend("webgpu");
 * ```
 */
export async function hasWebGpuAdapter(): Promise<boolean> {
  try {
    return (await probeAdapter()) !== null;
  } catch {
    return false;
  }
}

/** Description of the WebGPU adapter (e.g. `llvmpipe (LLVM 15.0.6, 256 bits)`), or null. */
export async function webGpuAdapterDescription(): Promise<string | null> {
  const a = await probeAdapter().catch(() => null);
  return a ? describeAdapter(a) : null;
}

/** The cpu backend prints a "install tfjs-node" banner on its first write; it does not apply. */
function silenceCpuBanner(): void {
  const cpu = tf.findBackend("cpu") as { firstUse?: boolean } | null;
  if (cpu && "firstUse" in cpu) cpu.firstUse = false;
}

async function activate(name: BackendName): Promise<string> {
  if (tf.getBackend() === name) return name;
  if (name === "wasm") {
    if (!wasmPathsSet && !tf.findBackend("wasm")) {
      try {
        Deno.statSync(new URL("tfjs-backend-wasm.wasm", WASM_DIR));
      } catch {
        throw new LensError("the tfjs wasm binaries are missing", {
          code: "backend",
          file: WASM_DIR.pathname,
          field: "backend",
          expected: "the *.wasm files of @tensorflow/tfjs-backend-wasm (installed with the " +
            "package on first run); or backend cpu",
        });
      }
      setWasmPaths(WASM_DIR.href);
    }
    wasmPathsSet = true;
  } else if (name === "webgpu") {
    if (!(await hasWebGpuAdapter())) {
      throw new LensError("no WebGPU adapter: navigator.gpu.requestAdapter() gave none", {
        code: "backend",
        field: "backend",
        expected: WEBGPU_HOWTO,
      });
    }
    // tfjs asks the adapter for features and limits it may not grant; see webgpu/shim.ts
    installGpuShim();
    if (!tf.engine().registryFactory["webgpu"]) {
      await import("../deps/tensorflow_tfjs_backend_webgpu.ts");
      try {
        const pkg = import.meta.resolve("npm:@tensorflow/tfjs-backend-webgpu@4.22.0/package.json");
        webgpuVersion = String(JSON.parse(Deno.readTextFileSync(new URL(pkg))).version);
      } catch {
        webgpuVersion = "unknown";
      }
    }
  }
  let ok = false;
  let cause = "";
  try {
    ok = await tf.setBackend(name);
  } catch (e) {
    cause = `: ${e instanceof Error ? e.message : String(e)}`;
  }
  if (!ok) {
    throw new LensError(`tfjs could not start the ${name} backend${cause}`, {
      code: "backend",
      field: "backend",
      expected: name === "webgpu" ? WEBGPU_HOWTO : "backend wasm, cpu or webgpu",
    });
  }
  if (name === "cpu") silenceCpuBanner();
  return tf.getBackend();
}

/** What `backend: auto` weighs besides the adapter. */
export interface BackendHint {
  /** Multiply-adds of one training step (forward pass over a batch); see webgpu/choose.ts. */
  macsPerStep?: number;
}

/**
 * The backend `auto` resolves to here for a step of `hint.macsPerStep`
 * multiply-adds, and why (see core/webgpu/choose.ts).
 *
 * @example
 * ```ts
 * (await chooseAutoBackend({ macsPerStep: 1e6 })).backend; // "wasm"
 * ```
 */
export async function chooseAutoBackend(hint: BackendHint = {}): Promise<BackendDecision> {
  return decideBackend(await webGpuAdapter(), hint.macsPerStep);
}

/**
 * Makes `name` the active tfjs backend (idempotent; calls are serialised)
 * and returns the backend actually active. `auto` picks webgpu on a real
 * GPU for steps of at least `hint.macsPerStep` multiply-adds, else wasm;
 * the choice and its reason go into {@link tfVersions}.
 *
 * @example
 * ```ts
 * await initBackend("wasm"); // "wasm"
 * ```
 */
export function initBackend(name: BackendSetting = "wasm", hint?: BackendHint): Promise<string> {
  if (!BACKENDS.includes(name)) {
    return Promise.reject(
      new LensError(`unknown backend "${name}"`, {
        code: "config",
        field: "backend",
        expected: BACKENDS.join(", "),
      }),
    );
  }
  const next = pending.catch(() => "").then(async () => {
    if (name !== "auto") {
      const active = await activate(name);
      if (lastDecision?.backend !== active) lastDecision = null;
      return active;
    }
    const decision = await chooseAutoBackend(hint);
    const active = await activate(decision.backend);
    lastDecision = decision;
    return active;
  });
  pending = next;
  return next;
}

export { ensureGradients } from "./gradients.ts";

/** Number of tensors tfjs holds now (for leak checks). */
export function tensorCount(): number {
  return tf.memory().numTensors;
}

/**
 * Versions to record with a run: tfjs packages and the active backend
 * (for wasm, whether SIMD and threads are in use; for webgpu, the adapter).
 *
 * @example
 * ```ts
 * tfVersions(); // { "tfjs-core": "4.22.0", backend: "wasm", ... }
 * ```
 */
export function tfVersions(): Record<string, string> {
  const backend = tf.getBackend() ?? "";
  const out: Record<string, string> = {
    "tfjs-core": tf.version_core,
    "tfjs-backend-cpu": version_cpu,
    "tfjs-backend-wasm": version_wasm,
    backend,
  };
  if (webgpuVersion) out["tfjs-backend-webgpu"] = webgpuVersion;
  const auto = lastDecision !== null && lastDecision.backend === backend;
  // the adapter is recorded when it ran, and when auto weighed it (and chose wasm)
  if ((backend === "webgpu" || auto) && adapterSeen) {
    out.webgpuAdapter = describeAdapter(adapterSeen);
    out.webgpuVendor = adapterSeen.vendor;
    out.webgpuArchitecture = adapterSeen.architecture;
    const req = lastCleanedRequest;
    if (backend === "webgpu" && req?.droppedFeatures.length) {
      out.webgpuDroppedFeatures = req.droppedFeatures.join(",");
    }
  }
  if (auto) out.backendChoice = lastDecision!.reason;
  if (backend === "wasm") {
    const flags = tf.env().getFlags();
    if ("WASM_HAS_SIMD_SUPPORT" in flags) out.wasmSimd = String(flags.WASM_HAS_SIMD_SUPPORT);
    if ("WASM_HAS_MULTITHREAD_SUPPORT" in flags) {
      out.wasmThreads = String(flags.WASM_HAS_MULTITHREAD_SUPPORT);
    }
  }
  return out;
}
