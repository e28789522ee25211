/**
 * `lens features`: feature complexity (Ren et al. 2021) of a feature
 * exported from any framework (`userFeatureEvent`,
 * plugins/complexity/user_features.ts), or of a layer of a run stored
 * with `keep_models: true` (`--run`, `storedLayerEvent`,
 * plugins/complexity/stored_layer.ts): either source becomes one `feature`
 * event for the complexity plugins, stored as a run through the one run
 * session (core/analyze_features.ts) so that `lens show`, `lens export`
 * and the dashboard read it.
 *
 * @module
 */
import { fileHashes } from "./file_hash.ts";
import { ACTIVATION_NAMES, isActivation } from "../core/model/activations.ts";
import { redactUrl } from "../core/store/pg_url.ts";
import { basename } from "node:path";
import { LensError } from "../core/errors.ts";
import type { Registry } from "../core/registry.ts";
import type { RunOutcome } from "../core/run_session.ts";
import type { FeatureEvent, RunConfig, Store } from "../core/types.ts";
import type { FeatureOptions } from "../plugins/complexity/user_features.ts";
import {
  choiceFlag,
  dbPath,
  DEFAULT_DB,
  intFlag,
  listFlag,
  parseFlags,
  usageError,
} from "./args.ts";
import { loadRegistry } from "./load_plugins.ts";
import { pluginTables } from "./plugin_tables.ts";
import {
  type ArraySource,
  checkLabels,
  describeSource,
  loadPeer,
  loadSplit,
  parseSource,
} from "./feature_inputs.ts";
import { lazyStore } from "./lazy_store.ts";
import { recordsToJson, writeStdout } from "./records_output.ts";
import { watchStopSignals } from "./stop_signal.ts";

/** Help text of `lens features`. */
export const HELP = `lens features --train FILE.npz [options]
lens features --x X.npy --f F.npy --y Y.npy [options]
lens features --run RUN --layer NAME [--run-seed N] [options]

Feature complexity (Ren et al. ICML 2021) of a feature f your network
computes from inputs x: disentanglers Phi^(1..L) mimic f from x (rho per
order); with peers, reliability; with the upper layers g, Shapley
effectiveness (and, with a test split, overfitting and boost). Arrays are
.npy files or arrays of an .npz (FILE.npz:name; FILE.npz alone means the
arrays x, f and y). Rows are samples; axes after the first are flattened.
Or a layer of a stored run trained with keep_models: true (--run): the
network is rebuilt from the store, f is its layer on the run's training
and test inputs, g the layers above, the other stored seeds the peers.
The result is stored as a run like any other (lens show / export / serve).

Inputs:
  --train FILE.npz     training split: arrays x, f, y (or give them one by one:)
  --x SRC, --f SRC, --y SRC
                       network inputs [N, ...], feature [N, ...], labels [N] or one-hot
  --test FILE.npz      test split (arrays x, f, y), or --x-test / --f-test / --y-test SRC
  --upper FILE.npz     layers above f: W1, b1, W2, b2, ... (softmax after the last)
  --layout L           in_out (x @ W, default) or out_in (PyTorch state_dict)
  --activation A       activation between the upper layers (default relu)
  --peer SRC           the same feature of another network on the training inputs
                       (repeatable; .npz default array f); gives reliability
  --run RUN            instead of arrays: a run trained with keep_models: true (id,
                       unique prefix or latest); its data set is reloaded from the config
  --run-seed N         with --run: the seed analysed (default the run's first seed)
  --no-peers           with --run: no reliability (the other seeds are the peers)

Analysis:
  --orders N           disentanglers Phi^(1..N) (default 6)
  --width N            units per disentangler layer (default 128)
  --epochs N           training epochs per order (default 100)
  --batch-size N       mini-batch size (default 128)
  --seed N             disentangler seed (default 0)
  --threshold X        reliability threshold (default 0: automatic)
  --baseline B         Shapley baseline for absent components: zero (default) or mean
  --residual           count f - Phi^(L) as one more Shapley player
  --layer NAME         the feature's name in the records (default feature); with
                       --run the hook point (default the last hidden layer)

Output:
  --name NAME          run name (default: the training file's name; with --run,
                       the run's name and the layer, e.g. tanh-dense_3)
  --db FILE|URL        run database: a SQLite file (default $LAYERLENS_DB, else ./${DEFAULT_DB})
                       or a PostgreSQL URL postgres://user@host[:port]/db
  --format F           table (default) or json (the tidy records)
  -h, --help           this help

Example:
  # numpy: np.savez("train.npz", x=x_train, f=h3_train, y=y_train)
  #        np.savez("upper.npz", W1=model.fc4.weight, b1=model.fc4.bias)
  deno task lens features --train train.npz --test test.npz --upper upper.npz \\
    --layout out_in --orders 6 --epochs 30
  # a layer of a run made with keep_models: true in its config
  deno task lens features --run latest --layer dense_3 --orders 6 --epochs 30
`;

/** The x, f, y sources of a split from `--<split>` and the one-by-one flags. */
function splitSources(
  values: Record<string, unknown>,
  split: "train" | "test",
): { x: ArraySource; f: ArraySource; y: ArraySource } | undefined {
  const suffix = split === "train" ? "" : "-test";
  const file = values[split];
  const one = (k: "x" | "f" | "y"): ArraySource | undefined => {
    const v = values[`${k}${suffix}`];
    if (typeof v === "string") return parseSource(v, k);
    if (typeof file === "string") return parseSource(`${file}:${k}`, k);
    return undefined;
  };
  const x = one("x"), f = one("f"), y = one("y");
  if (!x && !f && !y) return undefined;
  for (const [k, s] of [["x", x], ["f", f], ["y", y]] as const) {
    if (!s) {
      throw usageError(
        "features",
        `missing --${k}${suffix} (or --${split} FILE.npz with arrays x, f, y)`,
        `the ${split} split's ${k}`,
      );
    }
  }
  if (typeof file === "string" && !/\.npz$/i.test(file)) {
    throw usageError("features", `--${split} must be an .npz, got ${JSON.stringify(file)}`);
  }
  return { x: x!, f: f!, y: y! };
}

/** A number flag >= 0 (undefined when absent). */
function numberFlag(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const v = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(v) || v < 0) {
    throw usageError("features", `--${name} must be a number >= 0, got ${JSON.stringify(value)}`);
  }
  return v;
}

/** Flags that name the arrays of a feature brought from elsewhere (not with --run). */
const FILE_FLAGS = [
  "train",
  "test",
  "x",
  "f",
  "y",
  "x-test",
  "f-test",
  "y-test",
  "upper",
  "layout",
  "activation",
  "peer",
];

/** A feature to store as a run: the event and what the run records and prints of it. */
interface FeatureSource {
  /** Run name. */
  name: string;
  event: FeatureEvent;
  /** Where the feature came from (the run's config `analyze`). */
  source: Record<string, unknown>;
  /** The tfjs backend the analyses run on. */
  backend: string;
  /** What was analysed, for the closing line (e.g. "2000 training samples"). */
  what: string;
}

/** Prints the records of a stored feature run: the plugins' tables, or JSON. */
async function report(
  store: Store,
  runId: string,
  registry: Registry,
  format: "table" | "json",
  summary: string,
): Promise<void> {
  const records = store.queryResults(runId);
  if (format === "json") {
    await writeStdout(recordsToJson(runId, records));
    console.error(summary);
  } else {
    for (const table of pluginTables(registry.list(), records)) console.log(table + "\n");
    console.log(summary);
  }
}

/**
 * Stores the run of the complexity plugins over `src` (core/analyze_features.ts)
 * and prints it. Ctrl-C / SIGTERM stop it at the next progress line (an order
 * of the disentanglers): the run is marked interrupted with what the plugins
 * emitted so far, its closing line is printed, and the exit code is 130 / 143.
 */
async function storeFeatureRun(
  store: Store,
  db: string,
  src: FeatureSource,
  options: FeatureOptions,
  format: "table" | "json",
): Promise<number> {
  const [{ analyzeFeature }, { featurePlugins }, { tfVersions }] = await Promise.all([
    import("../core/analyze_features.ts"),
    import("../plugins/complexity/user_features.ts"),
    import("../core/backend.ts"),
  ]);
  const registry = await loadRegistry([]);
  const stop = await watchStopSignals((note) =>
    console.error(
      `${note ? `${note}; ` : ""}stopping at the next progress line; the run will be marked ` +
        "interrupted (again to quit now)",
    )
  );
  const closing = (o: RunOutcome) =>
    `run ${o.runId} ${o.status}: ${src.what}, feature of ${src.event.dim} values, ` +
    `${store.queryResults(o.runId).length} records in ${o.timings.total_s.toFixed(1)} s\n` +
    `stored in ${redactUrl(db)}`;
  try {
    const outcome = await analyzeFeature({
      name: src.name,
      event: src.event,
      plugins: featurePlugins(options, src.event),
      store,
      registry,
      source: src.source,
      backend: src.backend,
      versions: tfVersions(),
      log: (m) => {
        stop.poll(); // the analyses may not yield to the event loop: each progress line checks
        console.error(m);
      },
      signal: stop.signal,
      // the stopped analysis may hold the thread for long: the run is closed, and so is the process
      onStop: (o) => {
        console.error(`${closing(o)}\n  show: deno task lens show ${o.runId}`);
        store.close();
        Deno.exit(stop.exitCode());
      },
    });
    await report(store, outcome.runId, registry, format, closing(outcome));
    return 0;
  } finally {
    stop.dispose();
  }
}

/**
 * `lens features --run <run> --layer <hook point>`: a layer of a run
 * trained with `keep_models: true` (plugins/complexity/stored_layer.ts).
 */
async function storedLayer(
  values: Record<string, unknown>,
  options: FeatureOptions,
  format: "table" | "json",
): Promise<number> {
  const clash = FILE_FLAGS.find((f) => values[f] !== undefined);
  if (clash) {
    throw usageError(
      "features",
      `--${clash} is for a feature brought from elsewhere, not with --run`,
      "--run RUN [--layer NAME] [--run-seed N], or the arrays without --run",
    );
  }
  const ref = String(values.run);
  const runSeed = intFlag("features", "run-seed", values["run-seed"], 0);
  const db = dbPath(values.db);
  const [{ openStoreAt }, { findRun }, { storedSeeds }] = await Promise.all([
    import("../core/store_open.ts"),
    import("./find_run.ts"),
    import("../core/stored_model.ts"),
  ]);
  // it reads a stored run and stores its result as a new run: an existing database only
  const store = openStoreAt(db, { mustExist: true });
  try {
    const run = findRun(store, ref);
    storedSeeds(store, run); // no models: a clear error before loading anything
    const config = run.config as Partial<RunConfig>;
    const [{ initBackend }, { storedLayerEvent }] = await Promise.all([
      import("../core/backend.ts"),
      import("../plugins/complexity/stored_layer.ts"),
    ]);
    const backend = await initBackend(config.backend ?? "wasm");
    const layer = await storedLayerEvent({
      store,
      run,
      seed: runSeed,
      layer: typeof values.layer === "string" ? values.layer : undefined,
      peers: values["no-peers"] !== true,
    });
    try {
      const { event, peers } = layer;
      const nTrain = event.train.n, nTest = event.test?.n ?? 0;
      const name = typeof values.name === "string" ? values.name : `${run.name}-${event.layer}`;
      const source = {
        kind: "features",
        run: run.id,
        runName: run.name,
        seed: event.seed,
        layer: event.layer,
        peers,
        inDim: event.inDim,
        dim: event.dim,
        nTrain,
        nTest,
      };
      const what = `${event.layer} of seed ${event.seed} of run ${run.id}` +
        `${peers.length ? ` (peers: seeds ${peers.join(", ")})` : ""}, ${nTrain} training` +
        `${nTest ? `, ${nTest} test` : ""} samples`;
      const src: FeatureSource = { name, event, source, backend, what };
      return await storeFeatureRun(store, db, src, options, format);
    } finally {
      layer.dispose();
    }
  } finally {
    store.close();
  }
}

/** The analysis options of the flags (`--orders` ... `--residual`). */
function analysisOptions(values: Record<string, unknown>): FeatureOptions {
  const baseline = choiceFlag("features", "baseline", values.baseline, ["zero", "mean"], "zero");
  const disentangle: Record<string, unknown> = {};
  const ints: [string, string, number, number?][] = [
    ["orders", "orders", 1, 30],
    ["width", "width", 1],
    ["epochs", "epochs", 1],
    ["batch-size", "batchSize", 1],
    ["seed", "seed", 0],
  ];
  for (const [flag, key, min, max] of ints) {
    const v = intFlag("features", flag, values[flag], min, max);
    if (v !== undefined) disentangle[key] = v;
  }
  const threshold = numberFlag("threshold", values.threshold);
  return {
    disentangle,
    reliability: threshold === undefined ? {} : { threshold },
    shapley: { baseline, residual: values.residual === true },
  };
}

/** `lens features` of arrays brought from elsewhere (.npy / .npz). */
async function userArrays(
  values: Record<string, unknown>,
  options: FeatureOptions,
  format: "table" | "json",
): Promise<number> {
  const layout = choiceFlag("features", "layout", values.layout, ["in_out", "out_in"], "in_out");
  const activation = typeof values.activation === "string" ? values.activation : "relu";
  if (!isActivation(activation)) {
    throw usageError(
      "features",
      `--activation must be one of ${ACTIVATION_NAMES.join(", ")}, got ${
        JSON.stringify(activation)
      }`,
    );
  }
  for (const flag of ["run-seed", "no-peers"]) {
    if (values[flag] !== undefined) {
      throw usageError("features", `--${flag} goes with --run`, "--run RUN");
    }
  }
  const trainSources = splitSources(values, "train");
  if (!trainSources) {
    throw new LensError("missing the training split (see 'lens features --help')", {
      code: "usage",
      field: "--train",
      expected: "--train FILE.npz (arrays x, f, y) or --x, --f and --y",
    });
  }
  const train = loadSplit(trainSources);
  const testSources = splitSources(values, "test");
  const test = testSources ? loadSplit(testSources, train) : undefined;
  const peerSources = listFlag(values.peer).map((p) => parseSource(p, "f"));
  const peers = peerSources.map((s) => loadPeer(s, train.split.n, train.sources.x));
  const upperFile = typeof values.upper === "string" ? values.upper : undefined;

  const name = typeof values.name === "string"
    ? values.name
    : basename(trainSources.x.file).replace(/\.np[yz]$/i, "");
  const source = {
    kind: "features",
    train: train.sources,
    test: test?.sources,
    upper: upperFile ? { file: upperFile, layout, activation } : undefined,
    peers: peerSources.map(describeSource),
    inDim: train.inDim,
    dim: train.dim,
    nTrain: train.split.n,
    nTest: test?.split.n ?? 0,
    sha256: await fileHashes([
      ...Object.values(trainSources).map((s) => s.file),
      ...(testSources ? Object.values(testSources).map((s) => s.file) : []),
      ...(upperFile ? [upperFile] : []),
      ...peerSources.map((s) => s.file),
    ]),
  };
  const [{ initBackend }, { userFeatureEvent }] = await Promise.all([
    import("../core/backend.ts"),
    import("../plugins/complexity/user_features.ts"),
  ]);
  const backend = await initBackend("wasm");
  const event = userFeatureEvent({
    inDim: train.inDim,
    dim: train.dim,
    train: train.split,
    test: test?.split,
    upper: upperFile ? { path: upperFile, activation, layout } : undefined,
    peers,
    layer: typeof values.layer === "string" ? values.layer : "feature",
  });
  if (event.upper) {
    const classes = event.upper.layers[event.upper.layers.length - 1].units;
    checkLabels(train.split.y, classes, trainSources.y);
    if (test && testSources) checkLabels(test.split.y, classes, testSources.y);
  }
  const what = `${train.split.n} training samples` +
    `${test ? `, ${test.split.n} test samples` : ""}`;
  const src: FeatureSource = { name, event, source, backend, what };
  const db = dbPath(values.db);
  const store = lazyStore(db);
  try {
    return await storeFeatureRun(store, db, src, options, format);
  } finally {
    store.close();
  }
}

/** Runs `lens features`: parses the flags and picks the source (a stored run, or arrays). */
export async function main(args: string[]): Promise<number> {
  const str = { type: "string" as const };
  const { values } = parseFlags("features", args, {
    train: str,
    test: str,
    x: str,
    f: str,
    y: str,
    "x-test": str,
    "f-test": str,
    "y-test": str,
    upper: str,
    layout: str,
    activation: str,
    peer: { type: "string", multiple: true },
    orders: str,
    width: str,
    epochs: str,
    "batch-size": str,
    seed: str,
    threshold: str,
    baseline: str,
    residual: { type: "boolean" },
    layer: str,
    name: str,
    db: str,
    format: str,
    run: str,
    "run-seed": str,
    "no-peers": { type: "boolean" },
  }, { min: 0, max: 0, names: "" });
  const format = choiceFlag("features", "format", values.format, ["table", "json"], "table");
  const options = analysisOptions(values);
  if (values.run !== undefined) return await storedLayer(values, options, format);
  return await userArrays(values, options, format);
}
