/**
 * The store a queued seed job hands to the engine: the variant's run is
 * shared by all its seed jobs, so creating it means "create it unless
 * another job did" (with the whole variant's config and seeds), and
 * before this job's seeds train, whatever an earlier attempt of them
 * wrote is cleared. Reads see this job's seeds only (so the engine's seed
 * aggregates cover what this job trained, as in a local run of those
 * seeds), and finishing the run is left to the variant's final step.
 *
 * @module
 */
import type { RunConfig, Store } from "../types.ts";
import { clearSeeds } from "./seed_rows.ts";

/** What {@link sharedRunStore} needs. */
export interface SharedRunOptions {
  /** The opened store. */
  store: Store;
  /** The variant's run id. */
  runId: string;
  /** The variant's config with all its seeds (what the run records). */
  variantConfig: RunConfig;
  /** The seeds this job trains. */
  seeds: readonly number[];
}

/** The engine's view of a shared variant run (see the module doc). */
export function sharedRunStore(o: SharedRunOptions): Store {
  const mine = new Set(o.seeds);
  const s = o.store;
  return {
    path: s.path,
    createRun(init) {
      if (!s.getRun(o.runId)) {
        try {
          s.createRun({
            ...init,
            id: o.runId,
            config: o.variantConfig,
            seeds: o.variantConfig.seeds,
          });
        } catch (e) {
          // another job of the variant created it meanwhile
          if (!s.getRun(o.runId)) throw e;
        }
      }
      clearSeeds(s, o.runId, o.seeds);
      return o.runId;
    },
    appendResults: (runId, records) => s.appendResults(runId, records),
    recordEpoch: (runId, e) => s.recordEpoch(runId, e),
    recordPluginError: (runId, plugin, message) => s.recordPluginError(runId, plugin, message),
    finishRun() {
      // the variant's final step finishes the run
    },
    listRuns: () => s.listRuns(),
    getRun: (id) => s.getRun(id),
    writer: s.writer ? (id) => s.writer!(id) : undefined,
    queryResults: (runId, filter) => s.queryResults(runId, filter).filter((r) => mine.has(r.seed)),
    resultGroups: (runId, afterId) => s.resultGroups(runId, afterId),
    epochsSince: (runId, afterId) => s.epochsSince(runId, afterId).filter((r) => mine.has(r.seed)),
    saveModel: (runId, seed, params) => s.saveModel(runId, seed, params),
    loadModel: (runId, seed) => s.loadModel(runId, seed),
    modelSeeds: (runId) => s.modelSeeds(runId).filter((x) => mine.has(x)),
    close: () => s.close(),
  };
}
