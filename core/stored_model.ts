/**
 * Trained networks kept with a run (`keep_models: true`) rebuilt from the
 * store: {@link restoreModel}.
 *
 * The run's config gives the architecture, the data set (reloaded with the
 * seed, so seeded splits and subsets come back the same) and the engine;
 * the stored parameters replace the seeded initialisation of a trainer of
 * that engine. The rebuilt network computes what the trained one computed
 * on the same inputs (the same kernels run the same numbers).
 *
 * @module
 */
import { loadDataset } from "./data/load.ts";
import { LensError } from "./errors.ts";
import { chooseEngine, createTrainer } from "./train/create_trainer.ts";
import type { Dataset, ModelHandle, RunConfig, RunRow, Store } from "./types.ts";

/** A stored network rebuilt by {@link restoreModel}. */
export interface StoredNetwork {
  /** The run's config. */
  config: RunConfig;
  /** Seed of the network. */
  seed: number;
  /** The data set the seed trained on (or the one given to {@link restoreModel}). */
  dataset: Dataset;
  /** The network; valid until `dispose`. */
  model: ModelHandle;
  /** Frees the trainer holding the network. */
  dispose(): void;
}

/**
 * Seeds of `run` with stored parameters, in the order of the run's seeds;
 * a `not_found` error, saying how to get some, when there are none.
 */
export function storedSeeds(store: Store, run: RunRow): number[] {
  const stored = store.modelSeeds(run.id);
  const order = Array.isArray(run.seeds) ? run.seeds : [];
  const seeds = [
    ...order.filter((s) => stored.includes(s)),
    ...stored.filter((s) => !order.includes(s)),
  ];
  if (!seeds.length) {
    throw new LensError(`run ${run.id} has no stored models; train it with keep_models: true`, {
      code: "not_found",
      file: store.path,
    });
  }
  return seeds;
}

/**
 * Rebuilds seed `seed`'s trained network of `run` from the store. The data
 * set is loaded from the run's config unless `dataset` is given (e.g. the
 * one another seed's network was rebuilt with, when the split does not
 * depend on the seed or only the network is needed).
 *
 * @example
 * ```ts
 * const net = await restoreModel(store, store.getRun(runId)!, 0);
 * try {
 *   const cache = await net.model.capture(net.dataset.xTest, net.dataset.nTest);
 * } finally {
 *   net.dispose();
 * }
 * ```
 */
export async function restoreModel(
  store: Store,
  run: RunRow,
  seed: number,
  dataset?: Dataset,
): Promise<StoredNetwork> {
  const seeds = storedSeeds(store, run);
  const params = store.loadModel(run.id, seed);
  if (!params) {
    throw new LensError(`run ${run.id} has no stored model for seed ${seed}`, {
      code: "not_found",
      field: "seed",
      expected: `one of the stored seeds ${seeds.join(", ")}`,
    });
  }
  const config = run.config as RunConfig;
  if (!config || typeof config !== "object" || !config.model || !config.data) {
    throw new LensError(`run ${run.id} has no model config to rebuild its networks from`, {
      code: "not_found",
      file: store.path,
      expected: "a run trained by lens run / the engine",
    });
  }
  const data = dataset ?? await loadDataset(config.data, seed);
  const engine = run.engine === "fused" || run.engine === "tfjs"
    ? run.engine
    : chooseEngine(config);
  const trainer = await createTrainer(engine, {
    model: config.model,
    training: config.training,
    datasets: [data],
    seeds: [seed],
    backend: config.backend,
    initialParams: [params],
  });
  return { config, seed, dataset: data, model: trainer.model(0), dispose: () => trainer.dispose() };
}
