/**
 * A {@link Store} that opens its SQLite file on first use, so a command
 * that fails before the engine creates its run (bad config, missing data
 * file) leaves no database behind.
 *
 * @module
 */
import { openStoreAt as openStore } from "../core/store_open.ts";
import type { Store } from "../core/types.ts";

/** A store opened on its first call; `opened()` says whether that happened. */
export function lazyStore(path: string): Store & { opened(): boolean } {
  let inner: Store | undefined;
  const s = () => (inner ??= openStore(path));
  return {
    path,
    opened: () => inner !== undefined,
    createRun: (init) => s().createRun(init),
    appendResults: (runId, records) => s().appendResults(runId, records),
    recordEpoch: (runId, e) => s().recordEpoch(runId, e),
    recordPluginError: (runId, plugin, message) => s().recordPluginError(runId, plugin, message),
    finishRun: (runId, status, timings, error) => s().finishRun(runId, status, timings, error),
    listRuns: () => s().listRuns(),
    getRun: (id) => s().getRun(id),
    queryResults: (runId, filter) => s().queryResults(runId, filter),
    resultGroups: (runId, afterId) => s().resultGroups(runId, afterId),
    epochsSince: (runId, afterId) => s().epochsSince(runId, afterId),
    saveModel: (runId, seed, params) => s().saveModel(runId, seed, params),
    loadModel: (runId, seed) => s().loadModel(runId, seed),
    modelSeeds: (runId) => s().modelSeeds(runId),
    storedAnswer: (runId, key) => s().storedAnswer?.(runId, key),
    storeAnswer: (runId, key, body) => s().storeAnswer?.(runId, key, body) ?? false,
    close: () => inner?.close(),
  };
}
