/**
 * Shared by the plugin tests: a fake PluginContext that keeps what a
 * plugin emits.
 *
 * @module
 */
import type { PluginContext, ResultInput } from "../core/types.ts";

/** A context whose `emit` appends to `records`; no store, no other plugins. */
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
