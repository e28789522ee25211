/**
 * `lens features`: feature complexity (Ren et al. 2021) of a feature
 * exported from any framework, through `analyzeFeatures`
 * (plugins/complexity/user_features.ts), or of a layer of a run stored
 * with `keep_models: true` (`--run`, plugins/complexity/stored_layer.ts),
 * stored as a run so that `lens show`, `lens export` and the dashboard
 * read it.
 *
 * @module
 */
import { fileHashes } from "./file_hash.ts";
import { ACTIVATION_NAMES, isActivation } from "../core/model/activations.ts";
import { redactUrl } from "../core/store/pg_url.ts";
import { basename } from "node:path";
import { LensError } from "../core/errors.ts";
import type { ResultRecord, RunConfig, Store } from "../core/types.ts";
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
  --db FILE|URL        run database: a SQLite file (default ./${DEFAULT_DB})
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

/** Options of the analyses, as {@link analyzeFeatures} takes them. */
type AnalysisOptions = {
  disentangle: Record<string, unknown>;
  reliability: Record<string, unknown>;
  shapley: Record<string, unknown>;
};

/** The plugins a feature analysis runs, as stored with its run. */
function pluginsRun(options: AnalysisOptions, peers: boolean, upper: boolean, test: boolean) {
  return [
    { id: "disentangle", options: options.disentangle },
    ...(peers
      ? [{ id: "reliability", options: { ...options.disentangle, ...options.reliability } }]
      : []),
    ...(upper ? [{ id: "shapley-effectiveness", options: options.shapley }] : []),
    ...(upper && test ? [{ id: "shapley-overfitting", options: options.shapley }] : []),
    ...(upper && test ? [{ id: "boost", options: {} }] : []),
  ];
}

/** Prints the records of a stored feature run: the complexity table, or JSON. */
async function report(
  store: Store,
  runId: string,
  records: ResultRecord[],
  format: "table" | "json",
  summary: string,
): Promise<void> {
  if (format === "json") {
    await writeStdout(recordsToJson(runId, store.queryResults(runId)));
    console.error(summary);
  } else {
    const plugins = (await loadRegistry([])).list();
    for (const table of pluginTables(plugins, records)) console.log(table + "\n");
    console.log(summary);
  }
}

/**
 * `lens features --run <run> --layer <hook point>`: a layer of a run
 * trained with `keep_models: true` (plugins/complexity/stored_layer.ts).
 */
async function storedLayer(
  values: Record<string, unknown>,
  options: AnalysisOptions,
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
    const [{ initBackend, tfVersions }, { analyzeStoredLayer }, { LAYERLENS_VERSION }] =
      await Promise.all([
        import("../core/backend.ts"),
        import("../plugins/complexity/stored_layer.ts"),
        import("../core/version.ts"),
      ]);
    const backend = await initBackend(config.backend ?? "wasm");
    const t0 = performance.now();
    const r = await analyzeStoredLayer({
      store,
      run,
      seed: runSeed,
      layer: typeof values.layer === "string" ? values.layer : undefined,
      peers: values["no-peers"] !== true,
      options,
      log: (m) => console.error(m),
    });
    const name = typeof values.name === "string" ? values.name : `${run.name}-${r.layer}`;
    const source = {
      kind: "features",
      run: run.id,
      runName: run.name,
      seed: r.seed,
      layer: r.layer,
      peers: r.peers,
      inDim: r.inDim,
      dim: r.dim,
      nTrain: r.nTrain,
      nTest: r.nTest,
    };
    const plugins = pluginsRun(options, r.peers.length > 0, true, r.nTest > 0);
    const runId = store.createRun({
      name,
      config: { name, analyze: source, plugins },
      seeds: [r.seed],
      backend,
      engine: "features",
      versions: { layerlens: LAYERLENS_VERSION, deno: Deno.version.deno, ...tfVersions() },
    });
    store.appendResults(runId, r.records);
    const totalS = (performance.now() - t0) / 1000;
    store.finishRun(runId, "completed", { total_s: totalS });
    const summary = `run ${runId} completed: ${r.layer} of seed ${r.seed} of run ${run.id}` +
      `${r.peers.length ? ` (peers: seeds ${r.peers.join(", ")})` : ""}, ${r.nTrain} training` +
      `${r.nTest ? `, ${r.nTest} test` : ""} samples, feature of ${r.dim} values, ` +
      `${r.records.length} records in ${totalS.toFixed(1)} s\nstored in ${redactUrl(db)}`;
    await report(store, runId, r.records, format, summary);
  } finally {
    store.close();
  }
  return 0;
}

/** Runs `lens features`. */
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
  const layout = choiceFlag("features", "layout", values.layout, ["in_out", "out_in"], "in_out");
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
  const activation = typeof values.activation === "string" ? values.activation : "relu";
  if (!isActivation(activation)) {
    throw usageError(
      "features",
      `--activation must be one of ${ACTIVATION_NAMES.join(", ")}, got ${
        JSON.stringify(activation)
      }`,
    );
  }

  const options = {
    disentangle,
    reliability: threshold === undefined ? {} : { threshold },
    shapley: { baseline, residual: values.residual === true },
  };
  if (values.run !== undefined) return await storedLayer(values, options, format);
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
  let upperClasses = 0;
  if (upperFile) {
    const { readUpperNpz } = await import("../plugins/complexity/upper_npz.ts");
    const params = readUpperNpz(upperFile, train.dim, layout);
    upperClasses = params.sizes[params.sizes.length - 1];
    checkLabels(train.split.y, upperClasses, trainSources.y);
    if (test && testSources) checkLabels(test.split.y, upperClasses, testSources.y);
  }

  const layer = typeof values.layer === "string" ? values.layer : "feature";
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
  const plugins = pluginsRun(options, peers.length > 0, !!upperFile, !!test);

  const [{ initBackend, tfVersions }, { analyzeFeatures }, { LAYERLENS_VERSION }] = await Promise
    .all([
      import("../core/backend.ts"),
      import("../plugins/complexity/user_features.ts"),
      import("../core/version.ts"),
    ]);
  const backend = await initBackend("wasm");
  const db = dbPath(values.db);
  const store = lazyStore(db);
  try {
    const t0 = performance.now();
    const runId = store.createRun({
      name,
      config: { name, analyze: source, plugins },
      seeds: [0],
      backend,
      engine: "features",
      versions: { layerlens: LAYERLENS_VERSION, deno: Deno.version.deno, ...tfVersions() },
    });
    let records: ResultRecord[];
    try {
      records = await analyzeFeatures({
        inDim: train.inDim,
        dim: train.dim,
        train: train.split,
        test: test?.split,
        upper: upperFile ? { path: upperFile, activation, layout } : undefined,
        peers,
        layer,
        options,
        log: (m) => console.error(m),
      });
      store.appendResults(runId, records);
    } catch (e) {
      store.finishRun(runId, "failed", {}, e instanceof Error ? e.message : String(e));
      throw e;
    }
    const totalS = (performance.now() - t0) / 1000;
    store.finishRun(runId, "completed", { total_s: totalS });
    const summary = `run ${runId} completed: ${train.split.n} training samples` +
      `${test ? `, ${test.split.n} test samples` : ""}, feature of ${train.dim} values, ` +
      `${records.length} records in ${totalS.toFixed(1)} s\nstored in ${redactUrl(db)}`;
    await report(store, runId, records, format, summary);
  } finally {
    store.close();
  }
  return 0;
}
