/**
 * The engine: runs an experiment's seeds through a {@link Trainer},
 * dispatches hook events to the plugins, and writes what they emit to the
 * store as it goes, so a run killed mid-way keeps every epoch it finished.
 *
 * Data enters in {@link runExperiment} (a config) or
 * {@link analyzeActivations} (activations exported elsewhere); it leaves
 * through the {@link Store}. With `keep_models`, each seed's trained
 * parameters go to the store too, just before its `train_end`.
 *
 * @module
 */
import { initBackend, tfVersions } from "./backend.ts";
import { singleClassNote } from "./data/class_labels.ts";
import { loadDataset } from "./data/load.ts";
import { LensError } from "./errors.ts";
import type { PluginHost } from "./plugin_host.ts";
import type { EpochProgress } from "./progress.ts";
import { hostRun, type RunOutcome } from "./run_session.ts";
import type { Registry } from "./registry.ts";
import { sampledEpochs } from "./schedule.ts";
import { chooseEngine, createTrainer } from "./train/create_trainer.ts";
import { stepMacs } from "./webgpu/choose.ts";
import type {
  ActivationCache,
  Dataset,
  LayerInfo,
  ModelHandle,
  RunConfig,
  Store,
  Trainer,
} from "./types.ts";

// analysis of stored activations lives apart so that it loads without tfjs
export {
  analyzeActivations,
  type AnalyzeOptions,
  type SnapshotLayer,
  type SnapshotSource,
} from "./analyze_activations.ts";
export type { RunOutcome } from "./run_session.ts";

export type { EpochProgress } from "./progress.ts";

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  /** The validated experiment to run. */
  config: RunConfig;
  /** Where the run and its records are stored. */
  store: Store;
  /** Registry that resolves the config's plugins. */
  registry: Registry;
  /** Id for the new run (e.g. chosen by the server); a fresh one otherwise. */
  runId?: string;
  /**
   * Called at the end of every epoch of every seed. A returned promise is
   * awaited: a caller whose timers must run while a seed trains on this
   * thread (a queue worker renewing its job lock) yields there now and then.
   */
  onEpoch?: (p: EpochProgress) => void | Promise<void>;
  /** Lines for the user. */
  log?: (message: string) => void;
  /** Aborting stops training after the current epoch and marks the run interrupted. */
  signal?: AbortSignal;
}

/** Data sets whose content depends on the seed (random splits, seeded subsets). */
function datasetDependsOnSeed(config: RunConfig): boolean {
  const d = config.data;
  if (d.name === "tishby12") return d.split === "random";
  if (d.name === "mnist") return d.subset > 0 || d.testSubset > 0;
  return false;
}

/** For each epoch 0..epochs-1, how many of `sampled` are later. */
function countAfter(sampled: readonly number[], epochs: number): Int32Array {
  const after = new Int32Array(epochs);
  const set = new Set(sampled);
  let n = 0;
  for (let e = epochs - 1; e >= 0; e--) {
    after[e] = n;
    if (set.has(e)) n++;
  }
  return after;
}

/** Rows of epoch statistics to keep: sampled epochs, the last, and about 200 in between. */
function keepEpochRow(epoch: number, epochs: number, sampled: boolean): boolean {
  return sampled || epoch === epochs - 1 || epoch % Math.max(1, Math.floor(epochs / 200)) === 0;
}

/**
 * Trains every seed of `config`, feeding the plugins, and stores the run.
 * Plugin errors are recorded with the run and do not stop it; a training
 * error marks the run failed and is rethrown.
 *
 * @example
 * ```ts
 * const store = openStore("runs.db");
 * const registry = createRegistry(builtinPlugins());
 * const config = parseConfig(await Deno.readTextFile("examples/tishby12_tanh.yaml"), "x.yaml");
 * const { runId } = await runExperiment({ config, store, registry });
 * store.queryResults(runId, { plugin: "mi-binned", metric: "ixt" });
 * ```
 */
export async function runExperiment(opts: RunExperimentOptions): Promise<RunOutcome> {
  const { config, store, registry } = opts;
  const log = opts.log ?? (() => {});
  const resolved = registry.resolve(config.plugins, { field: "plugins" });
  const t0 = performance.now();
  const engine = chooseEngine(config);

  const datasets = new Map<number, Dataset>();
  const perSeed = datasetDependsOnSeed(config);
  let shared: Dataset | undefined;
  for (const seed of config.seeds) {
    if (!perSeed) shared ??= await loadDataset(config.data, seed);
    datasets.set(seed, perSeed ? await loadDataset(config.data, seed) : shared!);
  }
  const tLoad = performance.now();
  const oneClass = [...datasets.values()].find((d) => d.numClasses === 1);
  if (oneClass) {
    const classes = oneClass.info?.classes;
    log(singleClassNote(Array.isArray(classes) ? classes : [0], oneClass.name)!);
  }
  const first0 = datasets.get(config.seeds[0])!;
  const backend = await initBackend(
    config.backend,
    config.backend === "auto" && engine === "tfjs"
      ? {
        macsPerStep: stepMacs(
          config.model,
          first0.inputShape,
          first0.numClasses,
          config.training.batchSize,
        ),
      }
      : undefined,
  );

  const onAbort = () => log("stopping after this epoch (interrupted)");
  opts.signal?.addEventListener("abort", onAbort);
  const trainers: Trainer[] = [];
  try {
    return await hostRun({
      store,
      open: {
        id: opts.runId,
        name: config.name,
        config,
        seeds: config.seeds,
        backend: engine === "fused" ? `js (fused-mlp); tfjs ${backend}` : backend,
        engine,
        versions: tfVersions(),
      },
      resolved,
      log,
      pluginTimeoutS: config.pluginTimeoutS,
      signal: opts.signal,
      t0,
    }, async ({ runId, host, timings }) => {
      timings.load_s = (tLoad - t0) / 1000;
      const epochs = config.training.epochs;
      const sampled = sampledEpochs(config.schedule, epochs);
      const first = datasets.get(config.seeds[0])!;
      // Seeds train together in the fused kernel when they share one data set.
      const groups = engine === "fused" && !perSeed ? [config.seeds] : config.seeds.map((s) => [s]);
      let layers: LayerInfo[] | undefined;
      let trainS = 0, captureS = 0;
      let status: "completed" | "interrupted" = "completed";
      for (const group of groups) {
        const groupData = group.map((s) => datasets.get(s)!);
        const trainer = await createTrainer(engine, {
          model: config.model,
          training: config.training,
          datasets: groupData,
          seeds: group,
          backend: config.backend,
        });
        trainers.push(trainer);
        if (!layers) {
          layers = trainer.layers;
          await host.dispatch("run_start", {
            runId,
            config,
            layers,
            sampledEpochs: sampled,
            dataset: {
              name: first.name,
              numClasses: first.numClasses,
              nTrain: first.nTrain,
              nTest: first.nTest,
              nProbe: first.probe.n,
            },
          });
        }
        const done = await trainGroup({
          trainer,
          group,
          groupData,
          epochs,
          sampled: new Set(sampled),
          sampledAfter: countAfter(sampled, epochs),
          host,
          store,
          runId,
          seedOffset: config.seeds.indexOf(group[0]),
          seedCount: config.seeds.length,
          t0,
          keepModels: config.keepModels === true,
          onEpoch: opts.onEpoch,
          signal: opts.signal,
        });
        trainS += done.trainS;
        captureS += done.captureS;
        if (done.aborted) {
          status = "interrupted";
          break;
        }
      }
      timings.train_s = trainS;
      timings.capture_s = captureS;
      if (status === "completed") await host.dispatch("run_end", { runId });
      return status;
    });
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    for (const t of trainers) t.dispose();
  }
}

interface GroupRun {
  trainer: Trainer;
  group: number[];
  groupData: Dataset[];
  epochs: number;
  sampled: Set<number>;
  /** Per epoch, how many sampled epochs come after it. */
  sampledAfter: Int32Array;
  host: PluginHost;
  store: Store;
  runId: string;
  seedOffset: number;
  seedCount: number;
  t0: number;
  keepModels: boolean;
  onEpoch?: (p: EpochProgress) => void | Promise<void>;
  signal?: AbortSignal;
}

/** Stores a trained network's parameters with the run (`keep_models`). */
async function keepModel(store: Store, runId: string, model: ModelHandle): Promise<void> {
  if (!model.params) {
    throw new LensError("this trainer's networks cannot report their parameters", {
      code: "config",
      field: "keep_models",
      expected: "keep_models: false, or an engine whose networks have params()",
    });
  }
  store.saveModel(runId, model.seed, await model.params());
}

/** Trains one group of seeds held by one trainer, epoch by epoch. */
async function trainGroup(
  g: GroupRun,
): Promise<{ trainS: number; captureS: number; aborted: boolean }> {
  const { trainer, group, groupData, host, store, runId } = g;
  let trainS = 0, captureS = 0;
  const probe = groupData[0].probe;
  const wantActivations = host.consumes("activations");
  const wantGrads = host.consumes("batch_end");
  for (const seed of group) await host.dispatch("train_start", { seed });
  for (let epoch = 0; epoch < g.epochs; epoch++) {
    if (g.signal?.aborted) return { trainS, captureS, aborted: true };
    const sampled = g.sampled.has(epoch);
    for (const seed of group) await host.dispatch("epoch_start", { seed, epoch, sampled });
    let test: { loss: number[]; accuracy: number[] } | undefined;
    let caches: ActivationCache[] = [];
    if (sampled) {
      const tc = performance.now();
      if (wantActivations) caches = await trainer.capture(probe.x, probe.n);
      const d = groupData[0];
      if (d.nTest > 0) test = await trainer.evaluate(d.xTest, d.yTest, d.nTest);
      captureS += (performance.now() - tc) / 1000;
    }
    // Training starts now; plugins digest the captured activations while it
    // runs (the fused kernel trains in workers). Batch gradients are handed
    // on after the activations so every plugin sees events in order.
    const tt = performance.now();
    const batches: [number, number, number, Map<string, Float32Array>][] = [];
    const collect = sampled && wantGrads
      ? (seedIndex: number, batch: number, loss: number, grads: Map<string, Float32Array>) => {
        batches.push([seedIndex, batch, loss, grads]);
      }
      : undefined;
    const training = trainer.trainEpoch(epoch, collect);
    training.catch(() => {}); // rethrown by the await below; only marks it handled meanwhile
    for (let i = 0; i < caches.length; i++) {
      await host.dispatch("activations", {
        seed: group[i],
        epoch,
        cache: caches[i],
        labels: probe.y,
        numClasses: groupData[i].numClasses,
      });
    }
    const stats = await training;
    for (const [seedIndex, batch, loss, grads] of batches) {
      await host.dispatch("batch_end", { seed: group[seedIndex], epoch, batch, loss, grads });
    }
    trainS += (performance.now() - tt) / 1000;
    const keep = keepEpochRow(epoch, g.epochs, sampled);
    for (let i = 0; i < group.length; i++) {
      const e = {
        seed: group[i],
        epoch,
        sampled,
        loss: stats.loss[i],
        accuracy: stats.accuracy[i],
        testLoss: test?.loss[i],
        testAccuracy: test?.accuracy[i],
      };
      if (!Number.isFinite(e.loss)) {
        throw new LensError(
          `training diverged: loss is ${e.loss} at epoch ${epoch} of seed ${e.seed}`,
          { code: "training", field: "training.lr", expected: "a smaller learning rate" },
        );
      }
      await host.dispatch("epoch_end", e);
      if (keep) store.recordEpoch(runId, e);
      const pending = g.onEpoch?.({
        seed: e.seed,
        seedIndex: g.seedOffset + i,
        seeds: g.seedCount,
        epoch,
        epochs: g.epochs,
        loss: e.loss,
        accuracy: e.accuracy,
        elapsedS: (performance.now() - g.t0) / 1000,
        sampled,
        sampledLeft: g.sampledAfter[epoch],
      });
      if (pending) await pending;
    }
    if (sampled) host.flush();
  }
  for (let i = 0; i < group.length; i++) {
    const model = trainer.model(i);
    if (g.keepModels) await keepModel(store, runId, model);
    await host.dispatch("train_end", {
      seed: group[i],
      epochs: g.epochs,
      model,
      dataset: groupData[i],
    });
  }
  host.flush();
  return { trainS, captureS, aborted: false };
}
