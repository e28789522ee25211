/**
 * `lens analyze`: runs the plugins over activations exported from any
 * framework (an `.npz`, one array per layer) and stores the result as a run.
 *
 * @module
 */
import { redactUrl } from "../core/store/pg_url.ts";
import { fileHashes } from "./file_hash.ts";
import { LensError } from "../core/errors.ts";
import { classIndices, singleClassNote } from "../core/data/class_labels.ts";
import { checkFinite, toFloat32, toInt32Labels } from "../core/data/ndarray.ts";
import type { NpyArray } from "../core/data/npy.ts";
import { readNpy } from "../core/data/npy.ts";
import { readNpzDirect } from "../core/data/npz_direct.ts";
import { createRegistry, type Registry } from "../core/registry.ts";
import type { ActivationCache, PluginUse } from "../core/types.ts";
import { loadLightBuiltins } from "../plugins/builtin_loaders.ts";
import { choiceFlag, dbPath, DEFAULT_DB, listFlag, parseFlags } from "./args.ts";
import { pluginTables } from "./plugin_tables.ts";
import { lazyStore } from "./lazy_store.ts";
import { recordsToJson, writeStdout } from "./records_output.ts";
import { basename } from "node:path";

/** Help text of `lens analyze`. */
export const HELP = `lens analyze --activations FILE.npz --labels FILE.npy [options]

Runs information-plane plugins over activations saved by any framework,
without training. Each array in the .npz is one layer (in file order, the
last taken as the output): [N, d] for one snapshot or [E, N, d] for E
snapshots (e.g. epochs). An optional array named "epochs" (length E) names
the snapshots; otherwise they are 0..E-1. Labels: a .npy vector of N class
indices (or one-hot [N, C]); labels count by value (5, 9 and 5000000
are three classes). The result is stored as a run like any other.
Plugins that need training events (grad-snr) are skipped with a note.

Options:
  --activations FILE   .npz of layer activations (required)
  --labels FILE        .npy of labels (required)
  --plugins LIST       comma-separated plugin ids (default mi-binned)
  --plugin FILE        load custom plugins from a .ts/.js file (repeatable)
  --set P.OPT=VALUE    option OPT of plugin P (repeatable; P = * for every plugin
                       with that option; VALUE is YAML), checked like a config's
  --name NAME          run name (default: the activation file's name)
  --db FILE|URL        run database: a SQLite file (default $LAYERLENS_DB, else ./${DEFAULT_DB})
                       or a PostgreSQL URL postgres://user@host[:port]/db
  --format F           table (default) or json (the tidy records)
  -h, --help           this help

Example:
  # numpy: np.savez("acts.npz", dense_1=h1, dense_2=h2, output=p, epochs=np.array([0, 10, 100]))
  deno task lens analyze --activations acts.npz --labels y.npy --plugins mi-binned,mi-kde \\
    --set mi-kde.noise_variance=0.05
`;

/** One layer's snapshots, checked. */
interface LayerArrays {
  name: string;
  snapshots: number;
  rows: number;
  cols: number;
  data: Float32Array;
}

function dataError(file: string, field: string, message: string, expected: string): LensError {
  return new LensError(message, { code: "data", file, field, expected });
}

/** Checks one npz array's shape and values. */
function layerArrays(file: string, name: string, a: NpyArray): LayerArrays {
  if (a.shape.length !== 2 && a.shape.length !== 3) {
    throw dataError(
      file,
      name,
      `array has shape [${a.shape.join(", ")}]`,
      "[N, d] (one snapshot) or [E, N, d] (E snapshots); flatten conv feature maps to d first",
    );
  }
  const [snapshots, rows, cols] = a.shape.length === 2 ? [1, ...a.shape] : a.shape;
  if (rows === 0 || cols === 0 || snapshots === 0) {
    throw dataError(file, name, `array has shape [${a.shape.join(", ")}]`, "non-empty dimensions");
  }
  const data = toFloat32(a);
  checkFinite(data, file, name);
  return { name, snapshots, rows, cols, data };
}

/** The snapshot epochs: the `epochs` array, or 0..E-1. */
function snapshotEpochs(file: string, a: NpyArray | undefined, count: number): number[] {
  if (!a) return Array.from({ length: count }, (_, i) => i);
  const values = Array.from(toFloat32(a));
  if (a.shape.length !== 1 || values.length !== count) {
    throw dataError(
      file,
      "epochs",
      `epochs has shape [${a.shape.join(", ")}] but the layers hold ${count} snapshot(s)`,
      `a vector of ${count} epoch numbers`,
    );
  }
  const bad = values.findIndex((v) => !Number.isInteger(v) || v < 0);
  if (bad >= 0) {
    throw dataError(file, "epochs", `epochs[${bad}] is ${values[bad]}`, "integers >= 0");
  }
  if (new Set(values).size !== values.length) {
    throw dataError(file, "epochs", "epochs repeat a value", "distinct epoch numbers");
  }
  return values;
}

/** Reads and checks the activation and label files into snapshots. */
export async function readActivations(actFile: string, labelFile: string): Promise<{
  snapshots: { epoch: number; cache: ActivationCache }[];
  labels: Int32Array;
  numClasses: number;
  /** The original label of each class index (labels are mapped to 0..K-1 by value). */
  classes: number[];
  layers: string[];
}> {
  const arrays = await readNpzDirect(actFile);
  const { y: labels, classes } = classIndices(
    toInt32Labels(readNpy(labelFile), labelFile, "labels"),
    labelFile,
    "labels",
  );
  const layers: LayerArrays[] = [];
  for (const [name, a] of arrays) {
    if (name !== "epochs") layers.push(layerArrays(actFile, name, a));
  }
  if (!layers.length) {
    throw dataError(actFile, "", "no layer arrays in the file", "one array per layer");
  }
  const e = Math.max(...layers.map((l) => l.snapshots));
  for (const l of layers) {
    if (l.snapshots !== e) {
      throw dataError(
        actFile,
        l.name,
        `layer ${l.name} has ${l.snapshots} snapshot(s), layer ${
          layers.find((k) => k.snapshots === e)!.name
        } has ${e} (ragged layers)`,
        "every layer with the same number of snapshots E",
      );
    }
    if (l.rows !== labels.length) {
      throw dataError(
        actFile,
        l.name,
        `layer ${l.name} has ${l.rows} rows but ${labelFile} holds ${labels.length} labels`,
        "one row per label",
      );
    }
  }
  const epochs = snapshotEpochs(actFile, arrays.get("epochs"), e);
  const snapshots = epochs.map((epoch, s) => {
    const cache: ActivationCache = new Map();
    for (const l of layers) {
      const size = l.rows * l.cols;
      cache.set(l.name, {
        data: l.data.subarray(s * size, (s + 1) * size),
        rows: l.rows,
        cols: l.cols,
      });
    }
    return { epoch, cache };
  });
  return {
    snapshots,
    labels,
    numClasses: classes.length,
    classes,
    layers: layers.map((l) => l.name),
  };
}

/**
 * The registry for `ids`: only those built-ins and what they require when
 * all of them load without tfjs and no custom plugin file is given (the
 * common case, which then starts without the training engine); otherwise
 * every built-in plus the files' plugins.
 */
async function analyzeRegistry(ids: string[], files: string[]): Promise<Registry> {
  const light = files.length ? undefined : await loadLightBuiltins(ids);
  if (light) return createRegistry(light);
  const { loadRegistry } = await import("./load_plugins.ts");
  return await loadRegistry(files);
}

/** Runs `lens analyze`. */
export async function main(args: string[]): Promise<number> {
  const { values } = parseFlags("analyze", args, {
    activations: { type: "string" },
    labels: { type: "string" },
    plugins: { type: "string" },
    plugin: { type: "string", multiple: true },
    set: { type: "string", multiple: true },
    name: { type: "string" },
    db: { type: "string" },
    format: { type: "string" },
  }, { min: 0, max: 0, names: "" });
  const format = choiceFlag("analyze", "format", values.format, ["table", "json"], "table");
  for (const flag of ["activations", "labels"] as const) {
    if (typeof values[flag] !== "string") {
      throw new LensError(`missing --${flag} (see 'lens analyze --help')`, {
        code: "usage",
        field: `--${flag}`,
        expected: flag === "activations" ? "an .npz of layer activations" : "a .npy of labels",
      });
    }
  }
  const actFile = values.activations as string;
  const labelFile = values.labels as string;
  const ids = (typeof values.plugins === "string" ? values.plugins : "mi-binned")
    .split(",").map((s) => s.trim()).filter(Boolean);
  const plugins: PluginUse[] = ids.map((id) => ({ id, options: {} }));
  const registry = await analyzeRegistry(ids, listFlag(values.plugin));
  const sets = listFlag(values.set);
  if (sets.length) {
    // loaded only when used: it reads values as YAML
    const { applyOverrides, parseOverride } = await import("./plugin_overrides.ts");
    applyOverrides(plugins, sets.map((o) => parseOverride(o, "analyze")), registry, "analyze");
  }
  registry.resolve(plugins, { field: "--plugins" });
  const data = await readActivations(actFile, labelFile);
  const note = singleClassNote(data.classes, labelFile);
  if (note) console.error(`note: ${note}`);
  const { analyzeActivations } = await import("../core/analyze_activations.ts");
  const db = dbPath(values.db);
  const store = lazyStore(db);
  try {
    const outcome = await analyzeActivations({
      name: typeof values.name === "string"
        ? values.name
        : basename(actFile).replace(/\.npz$/i, ""),
      snapshots: data.snapshots,
      labels: data.labels,
      numClasses: data.numClasses,
      plugins,
      store,
      registry,
      source: {
        activations: actFile,
        labels: labelFile,
        sha256: await fileHashes([actFile, ...(labelFile ? [labelFile] : [])]),
        layers: data.layers,
        ...(data.classes.some((c, k) => c !== k) ? { classes: data.classes } : {}),
      },
      log: (m) => console.error(m),
    });
    const records = store.queryResults(outcome.runId);
    const summary = `run ${outcome.runId} ${outcome.status}: ${data.layers.length} layers x ` +
      `${data.snapshots.length} snapshot(s), ${data.labels.length} samples, ${records.length} records\n` +
      `stored in ${redactUrl(db)}`;
    if (format === "json") {
      await writeStdout(recordsToJson(outcome.runId, records));
      console.error(summary);
    } else {
      for (const table of pluginTables(registry.list(), records)) console.log(table + "\n");
      console.log(summary);
    }
    for (const e of outcome.pluginErrors) {
      console.error(`warning: plugin ${e.plugin} failed: ${e.message}`);
    }
  } finally {
    store.close();
  }
  return 0;
}
