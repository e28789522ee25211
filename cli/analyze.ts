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
import { checkStoredFinite, npzSnapshots } from "../core/data/npz_snapshots.ts";
import type { SnapshotLayer, SnapshotSource } from "../core/analyze_activations.ts";
import { readNpy } from "../core/data/npy.ts";
import { openStoredNpz, readNpzDirect } from "../core/data/npz_direct.ts";
import { createRegistry, type Registry } from "../core/registry.ts";
import type { PluginUse } from "../core/types.ts";
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

/** One layer's shape: E snapshots of rows x cols. */
interface LayerShape extends SnapshotLayer {
  snapshots: number;
}

function dataError(file: string, field: string, message: string, expected: string): LensError {
  return new LensError(message, { code: "data", file, field, expected });
}

/** Checks one npz array's shape. */
function layerShape(file: string, name: string, shape: number[]): LayerShape {
  if (shape.length !== 2 && shape.length !== 3) {
    throw dataError(
      file,
      name,
      `array has shape [${shape.join(", ")}]`,
      "[N, d] (one snapshot) or [E, N, d] (E snapshots); flatten conv feature maps to d first",
    );
  }
  const [snapshots, rows, cols] = shape.length === 2 ? [1, ...shape] : shape;
  if (rows === 0 || cols === 0 || snapshots === 0) {
    throw dataError(file, name, `array has shape [${shape.join(", ")}]`, "non-empty dimensions");
  }
  return { name, snapshots, rows, cols };
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

/** What `lens analyze` reads from its two files. */
export interface ActivationInput {
  /** The snapshots, read one at a time (stored archives) or already in memory. */
  snapshots: SnapshotSource;
  /** Class index of each row. */
  labels: Int32Array;
  /** Number of classes. */
  numClasses: number;
  /** The original label of each class index (labels are mapped to 0..K-1 by value). */
  classes: number[];
  /** Layer names, in file order. */
  layers: string[];
  /** Closes the activation file (a stored archive stays open while its snapshots are read). */
  close(): void;
}

/**
 * Reads and checks the activation and label files. A stored archive
 * (`np.savez`) of float32 or float64 layers is read one snapshot at a time
 * into reused buffers, after one pass that checks every number is finite;
 * any other archive is read whole.
 */
export async function readActivations(
  actFile: string,
  labelFile: string,
): Promise<ActivationInput> {
  const opened = openStoredNpz(actFile);
  const npz =
    opened && [...opened.arrays.values()].every((a) => a.name === "epochs" || a.streamable)
      ? opened
      : (opened?.close(), undefined);
  try {
    const eager = npz ? undefined : await readNpzDirect(actFile);
    const shapes = npz
      ? new Map([...npz.arrays].map(([k, a]) => [k, a.shape]))
      : new Map([...eager!].map(([k, a]) => [k, a.shape]));
    const { y: labels, classes } = classIndices(
      toInt32Labels(readNpy(labelFile), labelFile, "labels"),
      labelFile,
      "labels",
    );
    const layers: LayerShape[] = [];
    for (const [name, shape] of shapes) {
      if (name !== "epochs") layers.push(layerShape(actFile, name, shape));
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
    const epochsArray = npz
      ? (npz.arrays.has("epochs") ? npz.read("epochs") : undefined)
      : eager!.get("epochs");
    const epochs = snapshotEpochs(actFile, epochsArray, e);
    let snapshots: SnapshotSource;
    if (npz) {
      checkStoredFinite(npz, layers, e);
      snapshots = npzSnapshots(npz, layers, epochs);
    } else {
      const data = layers.map((l) => {
        const d = toFloat32(eager!.get(l.name)!);
        checkFinite(d, actFile, l.name);
        return d;
      });
      snapshots = {
        epochs,
        layers,
        load: (s) =>
          new Map(layers.map((l, k) => {
            const size = l.rows * l.cols;
            return [l.name, { data: data[k].subarray(s * size, (s + 1) * size), ...l }];
          })),
      };
    }
    return {
      snapshots,
      labels,
      numClasses: classes.length,
      classes,
      layers: layers.map((l) => l.name),
      close: () => npz?.close(),
    };
  } catch (err) {
    npz?.close();
    throw err;
  }
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
  try {
    return await analyzeInput(data, values, { actFile, labelFile, plugins, registry, format });
  } finally {
    data.close();
  }
}

/** What {@link analyzeInput} needs besides the files' contents. */
interface AnalyzeSetup {
  actFile: string;
  labelFile: string;
  plugins: PluginUse[];
  registry: Registry;
  format: string;
}

/** Runs the plugins over what was read, stores the run and prints its records. */
async function analyzeInput(
  data: ActivationInput,
  values: { name?: unknown; db?: unknown },
  { actFile, labelFile, plugins, registry, format }: AnalyzeSetup,
): Promise<number> {
  const note = singleClassNote(data.classes, labelFile);
  if (note) console.error(`note: ${note}`);
  const { analyzeActivations } = await import("../core/analyze_activations.ts");
  const db = dbPath(values.db as string | undefined);
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
      `${data.snapshots.epochs.length} snapshot(s), ${data.labels.length} samples, ${records.length} records\n` +
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
