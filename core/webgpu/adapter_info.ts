/**
 * What a WebGPU adapter says about itself, and whether it is a software
 * (CPU) adapter: the WebGPU fallback flag, or a known software rasteriser
 * in its description (Mesa's llvmpipe / lavapipe, SwiftShader, Microsoft's
 * WARP / Basic Render Driver), or Mesa's Vulkan vendor id 0x10005 (which
 * only its software drivers report).
 *
 * @module
 */

/** An adapter's identity as a run records it. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** Whether the adapter is a CPU / software implementation. */
  software: boolean;
  /** Why it counts as software (empty when it does not). */
  softwareReason: string;
}

/** The parts of a GPUAdapter read here (Deno puts `isFallbackAdapter` in `info`). */
export interface AdapterInfoLike {
  info?: {
    vendor?: string;
    architecture?: string;
    device?: string;
    description?: string;
    isFallbackAdapter?: boolean;
  };
  isFallbackAdapter?: boolean;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|\bwarp\b|basic render|software/i;
/** VK_VENDOR_ID_MESA: Mesa's software Vulkan drivers report it as the vendor id. */
const MESA_VENDOR_ID = 0x10005;

/**
 * The identity of `adapter` and whether it is a software adapter.
 *
 * @example
 * ```ts
 * summarizeAdapter({ info: { vendor: "nvidia", architecture: "hopper", description: "NVIDIA H200" } }).software; // false
 * summarizeAdapter({ info: { vendor: "65541", description: "llvmpipe (LLVM 15.0.6, 256 bits)" } }).software; // true
 * ```
 */
export function summarizeAdapter(adapter: AdapterInfoLike): AdapterSummary {
  const info = adapter.info ?? {};
  const vendor = String(info.vendor ?? "");
  const architecture = String(info.architecture ?? "");
  const device = String(info.device ?? "");
  const description = String(info.description ?? "");
  let softwareReason = "";
  if (info.isFallbackAdapter === true || adapter.isFallbackAdapter === true) {
    softwareReason = "the adapter is a fallback adapter";
  } else if (SOFTWARE_NAMES.test(`${description} ${device} ${architecture}`)) {
    softwareReason = `"${description || device || architecture}" is a software rasteriser`;
  } else if (/^(mesa|0x10005)$/i.test(vendor) || Number(vendor) === MESA_VENDOR_ID) {
    softwareReason = `vendor ${vendor} is Mesa's software driver`;
  }
  return {
    vendor,
    architecture,
    device,
    description,
    software: softwareReason !== "",
    softwareReason,
  };
}

/**
 * One line naming the adapter, e.g. `llvmpipe (LLVM 15.0.6, 256 bits), vendor 65541 (software)`.
 *
 * @example
 * ```ts
 * describeAdapter(summarizeAdapter({ info: { vendor: "nvidia", architecture: "hopper" } })); // "vendor nvidia, hopper"
 * ```
 */
export function describeAdapter(a: AdapterSummary): string {
  const parts = [a.description, a.vendor && `vendor ${a.vendor}`, a.architecture].filter(Boolean);
  return parts.join(", ") + (a.software ? " (software)" : "");
}
