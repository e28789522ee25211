/**
 * A device request an adapter can grant: tfjs-backend-webgpu 4.22 builds
 * its `requestDevice` descriptor with one feature pushed as a nested array
 * (`[["bgra8unorm-storage"]]`) and copies limits without checking that the
 * adapter reports them. WebIDL turns a one-element array into its string,
 * so Deno 2.9.5 accepts that entry, but older Deno releases reject it
 * ("index 1 can not be converted to a enum"); a feature the adapter lacks
 * or a limit above the adapter's is rejected everywhere, and a limit the
 * adapter does not report arrives as `undefined` ("expected u64").
 *
 * {@link cleanDeviceRequest} flattens the feature list, keeps only names
 * the adapter has, and keeps only limits the adapter reports, each moved
 * within the adapter's value (`max*` limits at most the adapter's, `min*`
 * alignments at least the adapter's).
 *
 * @module
 */

/** What a device request needs to know of an adapter. */
export interface AdapterCaps {
  /** Features the adapter supports. */
  features: { has(name: string): boolean };
  /** The adapter's limits (numbers; some runtimes give bigints). */
  limits: object;
}

/** A cleaned descriptor and what was left out of the request. */
export interface CleanedRequest {
  /** The descriptor to pass to the adapter's `requestDevice`. */
  descriptor: GPUDeviceDescriptor;
  /** Feature names asked for that the adapter lacks (or that were not strings). */
  droppedFeatures: string[];
  /** Limits asked for that the adapter does not report or that were not numbers. */
  droppedLimits: string[];
  /** Limits lowered (or, for `min*` limits, raised) to the adapter's value. */
  clampedLimits: string[];
}

function flatten(v: unknown, out: unknown[]): unknown[] {
  if (Array.isArray(v)) { for (const x of v) flatten(x, out); }
  else if (v !== undefined) out.push(v);
  return out;
}

function asNumber(v: unknown): number | undefined {
  const n = typeof v === "bigint" ? Number(v) : v;
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

/**
 * The part of `descriptor` that `adapter` can grant (see the module notes).
 *
 * @example
 * ```ts
 * const caps = { features: new Set(["timestamp-query"]), limits: { maxBufferSize: 256 } };
 * cleanDeviceRequest(
 *   { requiredFeatures: ["timestamp-query", ["bgra8unorm-storage"]], requiredLimits: { maxBufferSize: 1024 } },
 *   caps,
 * ).descriptor; // { requiredFeatures: ["timestamp-query"], requiredLimits: { maxBufferSize: 256 } }
 * ```
 */
export function cleanDeviceRequest(
  descriptor: GPUDeviceDescriptor | undefined,
  adapter: AdapterCaps,
): CleanedRequest {
  const out: GPUDeviceDescriptor = { ...(descriptor ?? {}) };
  const droppedFeatures: string[] = [];
  const droppedLimits: string[] = [];
  const clampedLimits: string[] = [];
  if (descriptor?.requiredFeatures !== undefined) {
    const keep: GPUFeatureName[] = [];
    for (const f of flatten([...descriptor.requiredFeatures as Iterable<unknown>], [])) {
      if (typeof f === "string" && adapter.features.has(f)) {
        if (!keep.includes(f as GPUFeatureName)) keep.push(f as GPUFeatureName);
      } else droppedFeatures.push(String(f));
    }
    out.requiredFeatures = keep;
  }
  if (descriptor?.requiredLimits !== undefined) {
    const limits: Record<string, number> = {};
    const have = adapter.limits as Record<string, unknown>;
    for (const [name, asked] of Object.entries(descriptor.requiredLimits)) {
      const want = asNumber(asked);
      const cap = asNumber(have[name]);
      if (want === undefined || cap === undefined) {
        droppedLimits.push(name);
        continue;
      }
      const v = name.startsWith("min") ? Math.max(want, cap) : Math.min(want, cap);
      if (v !== want) clampedLimits.push(name);
      limits[name] = v;
    }
    out.requiredLimits = limits;
  }
  return { descriptor: out, droppedFeatures, droppedLimits, clampedLimits };
}
