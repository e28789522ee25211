/**
 * Reference networks for the reliability analysis in the authors' setting
 * of [Ren]: networks of the run's architecture and training settings,
 * trained by the plugin itself on the data set's whole training set (the
 * config's `subset` switched off), rather than the run's other seeds on
 * their own subsets.
 *
 * @module
 */
import { chooseEngine, createTrainer } from "../../core/train/create_trainer.ts";
import type { Dataset, EpochStats, ModelHandle, RunConfig } from "../../core/types.ts";

/** Trained reference networks; valid until `dispose`. */
export interface ReferenceNetworks {
  /** One handle per seed, in the order of `seeds`. */
  models: ModelHandle[];
  /** Seeds they were initialised with. */
  seeds: number[];
  /** Frees the trainers. */
  dispose(): void;
}

/**
 * Trains one network per seed of `seeds` with `config`'s model, training
 * settings, engine and backend on `data` (the full training set) for
 * `epochs` epochs (0: the config's), one trainer per seed group as the
 * engine would. `log` gets a line per trained network.
 */
export async function trainReferenceNetworks(
  config: Pick<RunConfig, "model" | "training" | "engine" | "backend">,
  data: Dataset,
  seeds: number[],
  epochs: number,
  log?: (m: string) => void,
): Promise<ReferenceNetworks> {
  const engine = chooseEngine(config);
  const total = epochs > 0 ? epochs : config.training.epochs;
  // The fused kernel trains seeds that share a data set together; tfjs one at a time.
  const groups = engine === "fused" ? [seeds] : seeds.map((s) => [s]);
  const trainers: Awaited<ReturnType<typeof createTrainer>>[] = [];
  const models: ModelHandle[] = [];
  try {
    for (const group of groups) {
      const t0 = performance.now();
      const trainer = await createTrainer(engine, {
        model: config.model,
        training: { ...config.training, epochs: total },
        datasets: group.map(() => data),
        seeds: group,
        backend: config.backend,
      });
      trainers.push(trainer);
      let stats: EpochStats | undefined;
      for (let epoch = 0; epoch < total; epoch++) stats = await trainer.trainEpoch(epoch);
      group.forEach((s, i) => {
        models.push(trainer.model(i));
        log?.(
          `reference network seed ${s}: ${total} epochs on ${data.nTrain} rows, training ` +
            `accuracy ${stats?.accuracy[i].toFixed(4)} ` +
            `(${((performance.now() - t0) / 1000).toFixed(1)} s)`,
        );
      });
    }
  } catch (e) {
    trainers.forEach((t) => t.dispose());
    throw e;
  }
  return { models, seeds, dispose: () => trainers.forEach((t) => t.dispose()) };
}
