/**
 * A fake {@link PluginContext} for driving plugins through their handlers
 * in tests: emitted records are collected, other plugins have no results.
 *
 * @module
 */
import type { PluginContext, ResultInput } from "../core/types.ts";

/** A context whose `emit` appends to `records`. */
export function fakeContext(): { ctx: PluginContext; records: ResultInput[] } {
  const records: ResultInput[] = [];
  const ctx: PluginContext = {
    runId: "test",
    emit: (rs) => records.push(...rs),
    results: () => [],
    log: () => {},
    artifacts: new Map(),
  };
  return { ctx, records };
}
