/**
 * Experiment configs: YAML (or JSON) with snake_case keys, checked field by
 * field and turned into a {@link RunConfig}. Anything missing takes the
 * reference protocol of Shwartz-Ziv & Tishby on the 12-bit task (docs/methods.md
 * section 1): MLP 10-7-5-4-3 tanh with reference init, Adam lr 0.0004,
 * batch 512, 8000 epochs without reshuffling, 400 log-spaced sampled
 * epochs, seed 0, wasm backend, engine auto, plugin mi-binned.
 *
 * Every error is a {@link LensError} with code `config`, the file, the
 * dotted field and what was expected, e.g.
 * `run.yaml: training.epochs: must be an integer from 1 to 1000000, got "ten" (line 7)`;
 * an unknown key names the nearest valid one. Plugin options are checked
 * later against the plugin registry (`registry.resolve`).
 *
 * Relative data paths (`data.path`, `data.labels`) are kept as written and
 * read relative to the working directory of the process that runs.
 *
 * `keep_models: true` (default false) stores each seed's trained
 * parameters with the run when the seed finishes training (the `models`
 * table of the store), so that `lens features --run <run> --layer <hook>`
 * can rebuild the network and analyse any of its layers later. The
 * RunConfig carries it as `keepModels: true`; absent means false.
 *
 * `plugin_timeout_s` (default: one hour) bounds how long a plugin's setup or
 * one of its handlers may take before that plugin is recorded as failed.
 * Sizes are bounded by {@link CONFIG_LIMITS} (the command-line flags use the
 * same bounds), and an empty file is an error: `{}` takes every default.
 *
 * @example
 * ```yaml
 * name: tanh-reference
 * data: { name: tishby12, split: reference, train_fraction: 0.8 }
 * model: { type: mlp, hidden: [10, 7, 5, 4, 3], activation: tanh, init: reference }
 * training: { epochs: 8000, batch_size: 512, lr: 0.0004, optimizer: adam, shuffle: false }
 * schedule: { type: log, points: 400 }
 * seeds: 5            # or a list: [0, 1, 2, 3, 4]
 * plugins:
 *   - mi-binned
 *   - { id: mi-kde, options: { noise_variance: 0.1 } }
 * keep_models: false  # true: store the trained parameters (lens features --run)
 * ```
 *
 * @module
 */
import { ACTIVATION_NAMES } from "./model/activations.ts";
import { basename } from "node:path";
import { Document, isScalar, isSeq, LineCounter, parseDocument, visit } from "../deps/yaml.ts";
import { errorMessage, LensError } from "./errors.ts";
import { nearest, optionKey } from "./registry.ts";
import type {
  BackendSetting,
  DataSpec,
  EngineKind,
  ModelSpec,
  PluginUse,
  RunConfig,
  ScheduleSpec,
  TrainingSpec,
} from "./types.ts";

/** The reference protocol's defaults (12-bit task, docs/methods.md section 1). */
export const CONFIG_DEFAULTS = {
  tishby12: { split: "reference", trainFraction: 0.8 },
  mnist: { subset: 0, testSubset: 0, probeSize: 1000 },
  cifar10: { subset: 0, testSubset: 0, probeSize: 1000 },
  file: { trainFraction: 0.8 },
  mlp: { hidden: [10, 7, 5, 4, 3], activation: "tanh", init: "reference" },
  cnn: {
    conv: [{ filters: 8, kernel: 5 }, { filters: 16, kernel: 5 }],
    dense: [64],
    activation: "relu",
    init: "tfjs",
  },
  resnet: { depth: 20, width: 16, activation: "relu", init: "tfjs" },
  training: { epochs: 8000, batchSize: 512, lr: 0.0004, optimizer: "adam", shuffle: false },
  schedule: { log: 400, every: 1 },
  seeds: [0],
  backend: "wasm",
  engine: "auto",
  plugins: ["mi-binned"],
} as const;

/**
 * Upper bounds of sizes a config may ask for (the command-line flags use
 * the same): past them a run would exhaust memory or never end, so they are
 * config errors naming the field.
 */
export const CONFIG_LIMITS = {
  /** Seeds per run (`seeds: n` or a list). */
  seeds: 10000,
  /** Largest seed value (seeds are 32-bit signed integers). */
  seedValue: 2147483647,
  /** Epochs per seed (`training.epochs`). */
  epochs: 1_000_000,
  /** Samples per batch (`training.batch_size`). */
  batchSize: 1_000_000,
  /** Units of one hidden layer (`model.hidden[i]`, `model.dense[i]`), filters of a conv layer. */
  width: 10000,
  /** Hidden (or conv plus dense) layers. */
  layers: 64,
  /** Sum over consecutive hidden layers of their weight counts (width x next width). */
  hiddenWeights: 100_000_000,
  /** Side of a conv kernel. */
  kernel: 64,
  /** Sampled epochs of a schedule (`schedule.points`, the length of `schedule.epochs`). */
  schedulePoints: 1_000_000,
  /** Seconds a plugin's setup or handler may take (`plugin_timeout_s`): one week. */
  pluginTimeoutS: 604800,
} as const;

type Path = (string | number)[];
type Obj = Record<string, unknown>;

/** Dotted field name of a path: `["model", "hidden", 2]` -> `model.hidden[2]`. */
function dotted(path: Path): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out ? `.${p}` : p;
  return out;
}

/** A value as YAML / JSON would show it. */
function shown(v: unknown): string {
  if (v === undefined) return "nothing";
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/**
 * Where a config value that is not one document's root came from (a sweep
 * variant merged over a base): `field` maps a config path to the dotted
 * field named in errors, `line` to its line in `file` (when known), and
 * `note` is added to every message (e.g. `variant "depth-3"`).
 */
export interface ConfigSource {
  /** Dotted field name (e.g. `variants[1].model.hidden[0]`) to show in errors for a config path. */
  field(path: (string | number)[]): string;
  /** Line (1-based) of the value at a config path in `file`, when known. */
  line(path: (string | number)[]): number | undefined;
  /** Text added to every error message, e.g. `variant "depth-3"`. */
  note?: string;
}

/** Reads one config document, failing with the file, field, expectation and line. */
class Reader {
  constructor(
    readonly file: string,
    private readonly doc?: Document,
    private readonly lines?: LineCounter,
    private readonly source?: ConfigSource,
  ) {}

  /** Line (1-based) of the node at `path`, when the text has one. */
  private line(path: Path): number | undefined {
    if (this.source) return this.source.line(path);
    if (!this.doc || !this.lines) return undefined;
    for (let n = path.length; n > 0; n--) {
      const node = this.doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] };
      if (node && typeof node === "object" && node.range) {
        return this.lines.linePos(node.range[0]).line;
      }
    }
    return undefined;
  }

  /** Throws `<file>: <field>: <message> (line N)` with `expected` attached. */
  fail(path: Path, message: string, expected: string): never {
    const line = this.line(path);
    const where = [this.source?.note, line ? `line ${line}` : undefined].filter(Boolean);
    const err = new LensError(`${message}${where.length ? ` (${where.join(", ")})` : ""}`, {
      code: "config",
      file: this.file,
      field: this.source ? this.source.field(path) : dotted(path),
    });
    // the message already says what was expected; keep it as a field too
    throw Object.assign(err, { expected });
  }

  /** Fails with "must be <expected>, got <value>". */
  bad(path: Path, expected: string, got: unknown): never {
    return this.fail(path, `must be ${expected}, got ${shown(got)}`, expected);
  }

  /** A mapping with only `allowed` keys (or undefined when absent). */
  mapping(v: unknown, path: Path, allowed: readonly string[], context = ""): Obj | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "object" || Array.isArray(v)) {
      return this.bad(path, `a mapping with keys ${allowed.join(", ")}`, v);
    }
    for (const key of Object.keys(v)) {
      if (!allowed.includes(key)) {
        const hint = nearest(key, allowed);
        this.fail(
          [...path, key],
          `unknown key${context}${hint ? ` (did you mean "${hint}"?)` : ""}`,
          `one of ${allowed.join(", ")}`,
        );
      }
    }
    return v as Obj;
  }

  int(v: unknown, path: Path, def: number | undefined, min: number, max?: number): number {
    const expected = max === undefined
      ? `an integer >= ${min}`
      : `an integer from ${min} to ${max}`;
    if (v === undefined || v === null) {
      if (def === undefined) this.bad(path, expected, v);
      return def!;
    }
    if (
      typeof v !== "number" || !Number.isInteger(v) || v < min || (max !== undefined && v > max)
    ) {
      this.bad(path, expected, v);
    }
    return v as number;
  }

  /** A number in (lo, hi] (`loOpen`) or [lo, hi]. */
  num(
    v: unknown,
    path: Path,
    def: number,
    lo: number,
    hi: number,
    loOpen: boolean,
  ): number {
    if (v === undefined || v === null) return def;
    const range = hi === Infinity
      ? `${loOpen ? ">" : ">="} ${lo}`
      : `in ${loOpen ? "(" : "["}${lo}, ${hi}]`;
    if (
      typeof v !== "number" || !Number.isFinite(v) || (loOpen ? v <= lo : v < lo) || v > hi
    ) {
      this.bad(path, `a number ${range}`, v);
    }
    return v as number;
  }

  bool(v: unknown, path: Path, def: boolean): boolean {
    if (v === undefined || v === null) return def;
    if (typeof v !== "boolean") this.bad(path, "true or false", v);
    return v as boolean;
  }

  str(v: unknown, path: Path, def?: string): string {
    if (v === undefined || v === null) {
      if (def === undefined) this.bad(path, "a non-empty string", v);
      return def!;
    }
    if (typeof v !== "string" || v.trim() === "") this.bad(path, "a non-empty string", v);
    return v as string;
  }

  choice<T extends string>(v: unknown, path: Path, def: T, choices: readonly T[]): T {
    if (v === undefined || v === null) return def;
    if (typeof v !== "string" || !choices.includes(v as T)) {
      const hint = typeof v === "string" ? nearest(v, choices) : undefined;
      this.fail(
        path,
        `must be one of ${choices.join(", ")}, got ${shown(v)}${
          hint ? ` (did you mean "${hint}"?)` : ""
        }`,
        `one of ${choices.join(", ")}`,
      );
    }
    return v as T;
  }

  intList(
    v: unknown,
    path: Path,
    def: readonly number[],
    min: number,
    allowEmpty: boolean,
    limits: { max?: number; length?: number } = {},
  ): number[] {
    if (v === undefined || v === null) return [...def];
    const what = `a list of integers >= ${min}${allowEmpty ? "" : " (at least one)"}`;
    if (!Array.isArray(v) || (!allowEmpty && v.length === 0)) this.bad(path, what, v);
    const list = v as unknown[];
    if (limits.length !== undefined && list.length > limits.length) {
      this.fail(
        path,
        `lists ${list.length} values, more than the limit of ${limits.length}`,
        `at most ${limits.length} values`,
      );
    }
    return list.map((x, i) => this.int(x, [...path, i], undefined, min, limits.max));
  }
}

/** The top-level keys of a config file, in the order they are documented. */
export const CONFIG_KEYS: readonly string[] = [
  "name",
  "data",
  "model",
  "training",
  "schedule",
  "seeds",
  "backend",
  "engine",
  "plugins",
  "keep_models",
  "plugin_timeout_s",
];
const TOP_KEYS = CONFIG_KEYS;

const DATA_KEYS = {
  tishby12: ["name", "split", "train_fraction"],
  mnist: ["name", "subset", "test_subset", "probe_size"],
  cifar10: ["name", "path", "subset", "test_subset", "probe_size"],
  file: ["name", "path", "labels", "train_fraction"],
} as const;

function readData(r: Reader, v: unknown): DataSpec {
  const all = [...new Set(Object.values(DATA_KEYS).flat())];
  const raw = r.mapping(v, ["data"], all) ?? {};
  const name = r.choice(raw.name, ["data", "name"], "tishby12", [
    "tishby12",
    "mnist",
    "cifar10",
    "file",
  ]);
  r.mapping(raw, ["data"], DATA_KEYS[name], ` for data.name ${name}`);
  const d = CONFIG_DEFAULTS;
  switch (name) {
    case "tishby12":
      return {
        name,
        split: r.choice(raw.split, ["data", "split"], d.tishby12.split, ["reference", "random"]),
        trainFraction: r.num(
          raw.train_fraction,
          ["data", "train_fraction"],
          d.tishby12.trainFraction,
          0,
          1,
          true,
        ),
      };
    case "mnist":
      return {
        name,
        subset: r.int(raw.subset, ["data", "subset"], d.mnist.subset, 0, 60000),
        testSubset: r.int(raw.test_subset, ["data", "test_subset"], d.mnist.testSubset, 0, 10000),
        probeSize: r.int(raw.probe_size, ["data", "probe_size"], d.mnist.probeSize, 0, 10000),
      };
    case "cifar10":
      return {
        name,
        path: r.str(raw.path, ["data", "path"]),
        subset: r.int(raw.subset, ["data", "subset"], d.cifar10.subset, 0, 50000),
        testSubset: r.int(
          raw.test_subset,
          ["data", "test_subset"],
          d.cifar10.testSubset,
          0,
          10000,
        ),
        probeSize: r.int(raw.probe_size, ["data", "probe_size"], d.cifar10.probeSize, 0, 10000),
      };
    case "file": {
      const spec: DataSpec = {
        name,
        path: r.str(raw.path, ["data", "path"]),
        trainFraction: r.num(
          raw.train_fraction,
          ["data", "train_fraction"],
          d.file.trainFraction,
          0,
          1,
          true,
        ),
      };
      if (raw.labels !== undefined && raw.labels !== null) {
        spec.labels = r.str(raw.labels, ["data", "labels"]);
      }
      return spec;
    }
  }
}

/** Fails when consecutive layers of `widths` hold more weights than the limit. */
function checkHiddenWeights(r: Reader, path: Path, widths: number[]): void {
  let weights = 0;
  for (let i = 0; i + 1 < widths.length; i++) weights += widths[i] * widths[i + 1];
  if (weights > CONFIG_LIMITS.hiddenWeights) {
    r.fail(
      path,
      `layers of ${widths.join(", ")} units hold ${weights} weights between them, more than ` +
        `the limit of ${CONFIG_LIMITS.hiddenWeights}`,
      `narrower layers (at most ${CONFIG_LIMITS.hiddenWeights} weights between hidden layers)`,
    );
  }
}

function readModel(r: Reader, v: unknown): ModelSpec {
  const keys = {
    mlp: ["type", "hidden", "activation", "init"],
    cnn: ["type", "conv", "dense", "activation", "init"],
    resnet: ["type", "depth", "width", "activation", "init"],
  } as const;
  const raw = r.mapping(v, ["model"], [...new Set(Object.values(keys).flat())]) ?? {};
  const type = r.choice(raw.type, ["model", "type"], "mlp", ["mlp", "cnn", "resnet"]);
  r.mapping(raw, ["model"], keys[type], ` for model.type ${type}`);
  const d = CONFIG_DEFAULTS[type];
  const activation = r.choice(
    raw.activation,
    ["model", "activation"],
    d.activation,
    ACTIVATION_NAMES,
  );
  const init = r.choice(raw.init, ["model", "init"], d.init as "reference" | "tfjs", [
    "reference",
    "tfjs",
  ]);
  const widths = { max: CONFIG_LIMITS.width, length: CONFIG_LIMITS.layers };
  if (type === "mlp") {
    const hidden = r.intList(
      raw.hidden,
      ["model", "hidden"],
      CONFIG_DEFAULTS.mlp.hidden,
      1,
      true,
      widths,
    );
    checkHiddenWeights(r, ["model", "hidden"], hidden);
    return { type, hidden, activation, init };
  }
  if (type === "resnet") {
    const depth = r.int(raw.depth, ["model", "depth"], CONFIG_DEFAULTS.resnet.depth, 8);
    if ((depth - 2) % 6 !== 0) {
      r.fail(["model", "depth"], `depth ${depth} is not 6n + 2`, "8, 14, 20, 32, 44, ...");
    }
    return {
      type,
      depth,
      width: r.int(raw.width, ["model", "width"], CONFIG_DEFAULTS.resnet.width, 1),
      activation,
      init,
    };
  }
  let conv: { filters: number; kernel: number }[] = CONFIG_DEFAULTS.cnn.conv.map((c) => ({ ...c }));
  if (raw.conv !== undefined && raw.conv !== null) {
    if (!Array.isArray(raw.conv) || raw.conv.length === 0) {
      r.bad(["model", "conv"], "a list of { filters, kernel } (at least one)", raw.conv);
    }
    conv = (raw.conv as unknown[]).map((c, i) => {
      const m = r.mapping(c, ["model", "conv", i], ["filters", "kernel"]) ??
        r.bad(["model", "conv", i], "a mapping { filters, kernel }", c);
      return {
        filters: r.int(m.filters, ["model", "conv", i, "filters"], undefined, 1, widths.max),
        kernel: r.int(m.kernel, ["model", "conv", i, "kernel"], undefined, 1, CONFIG_LIMITS.kernel),
      };
    });
    if (conv.length > widths.length) {
      r.fail(
        ["model", "conv"],
        `lists ${conv.length} layers, more than the limit of ${widths.length}`,
        `at most ${widths.length} conv layers`,
      );
    }
  }
  const dense = r.intList(
    raw.dense,
    ["model", "dense"],
    CONFIG_DEFAULTS.cnn.dense,
    1,
    true,
    widths,
  );
  checkHiddenWeights(r, ["model", "dense"], dense);
  return { type, conv, dense, activation, init };
}

function readTraining(r: Reader, v: unknown): TrainingSpec {
  const raw = r.mapping(v, ["training"], ["epochs", "batch_size", "lr", "optimizer", "shuffle"]) ??
    {};
  const d = CONFIG_DEFAULTS.training;
  return {
    epochs: r.int(raw.epochs, ["training", "epochs"], d.epochs, 1, CONFIG_LIMITS.epochs),
    batchSize: r.int(
      raw.batch_size,
      ["training", "batch_size"],
      d.batchSize,
      1,
      CONFIG_LIMITS.batchSize,
    ),
    lr: r.num(raw.lr, ["training", "lr"], d.lr, 0, Infinity, true),
    optimizer: r.choice(raw.optimizer, ["training", "optimizer"], d.optimizer, ["adam", "sgd"]),
    shuffle: r.bool(raw.shuffle, ["training", "shuffle"], d.shuffle),
  };
}

function readSchedule(r: Reader, v: unknown): ScheduleSpec {
  const keys = {
    log: ["type", "points"],
    every: ["type", "every"],
    list: ["type", "epochs"],
  } as const;
  const raw = r.mapping(v, ["schedule"], ["type", "points", "every", "epochs"]) ?? {};
  const type = r.choice(raw.type, ["schedule", "type"], "log", ["log", "every", "list"]);
  r.mapping(raw, ["schedule"], keys[type], ` for schedule.type ${type}`);
  switch (type) {
    case "log":
      return {
        type,
        points: r.int(
          raw.points,
          ["schedule", "points"],
          CONFIG_DEFAULTS.schedule.log,
          1,
          CONFIG_LIMITS.schedulePoints,
        ),
      };
    case "every":
      return {
        type,
        every: r.int(
          raw.every,
          ["schedule", "every"],
          CONFIG_DEFAULTS.schedule.every,
          1,
          CONFIG_LIMITS.epochs,
        ),
      };
    case "list":
      if (raw.epochs === undefined || raw.epochs === null) {
        r.bad(["schedule", "epochs"], "a list of epochs (integers >= 0)", raw.epochs);
      }
      return {
        type,
        epochs: r.intList(raw.epochs, ["schedule", "epochs"], [], 0, false, {
          max: CONFIG_LIMITS.epochs - 1,
          length: CONFIG_LIMITS.schedulePoints,
        }),
      };
  }
}

function readSeeds(r: Reader, v: unknown): number[] {
  if (v === undefined || v === null) return [...CONFIG_DEFAULTS.seeds];
  const L = CONFIG_LIMITS;
  const expected = `a count n from 1 to ${L.seeds} (seeds 0..n-1) or a list of at most ` +
    `${L.seeds} distinct integers from 0 to ${L.seedValue}`;
  if (typeof v === "number") {
    if (!Number.isInteger(v) || v < 1 || v > L.seeds) r.bad(["seeds"], expected, v);
    return Array.from({ length: v }, (_, i) => i);
  }
  if (!Array.isArray(v) || v.length === 0) r.bad(["seeds"], expected, v);
  const seeds = r.intList(v, ["seeds"], [], 0, false, { max: L.seedValue, length: L.seeds });
  const dup = seeds.findIndex((s, i) => seeds.indexOf(s) !== i);
  if (dup >= 0) r.fail(["seeds", dup], `seed ${seeds[dup]} is listed twice`, "distinct seeds");
  return seeds;
}

function readPlugins(r: Reader, v: unknown): PluginUse[] {
  if (v === undefined || v === null) {
    return CONFIG_DEFAULTS.plugins.map((id) => ({ id, options: {} }));
  }
  const expected = "a list of plugin ids or { id, options } mappings";
  if (!Array.isArray(v)) r.bad(["plugins"], expected, v);
  return (v as unknown[]).map((p, i) => {
    if (typeof p === "string") return { id: r.str(p, ["plugins", i]), options: {} };
    if (typeof p !== "object" || p === null || Array.isArray(p)) {
      r.bad(["plugins", i], "a plugin id or { id, options }", p);
    }
    const m = r.mapping(p, ["plugins", i], ["id", "options"])!;
    const id = r.str(m.id, ["plugins", i, "id"]);
    let options: Obj = {};
    if (m.options !== undefined && m.options !== null) {
      if (typeof m.options !== "object" || Array.isArray(m.options)) {
        r.bad(["plugins", i, "options"], "a mapping of option names to values", m.options);
      }
      options = { ...(m.options as Obj) };
    }
    return { id, options };
  });
}

/** A run name from a file name: `examples/tishby12_tanh.yaml` -> `tishby12_tanh`. */
function nameFromFile(file: string): string {
  const base = basename(file).replace(/\.(ya?ml|json)$/i, "");
  return base && base !== basename(file) ? base : "run";
}

/** Builds a RunConfig from an already-parsed value (the document's root). */
function readConfig(r: Reader, root: unknown): RunConfig {
  if (root === undefined || root === null) {
    r.fail(
      [],
      "empty config: it sets nothing (write {} to run the full default protocol)",
      "a mapping of config keys (write {} to take every default)",
    );
  }
  const raw = r.mapping(root, [], TOP_KEYS) ?? {};
  const config: RunConfig = {
    name: r.str(raw.name, ["name"], nameFromFile(r.file)),
    data: readData(r, raw.data),
    model: readModel(r, raw.model),
    training: readTraining(r, raw.training),
    schedule: readSchedule(r, raw.schedule),
    seeds: readSeeds(r, raw.seeds),
    backend: r.choice<BackendSetting>(raw.backend, ["backend"], "wasm", [
      "wasm",
      "cpu",
      "webgpu",
      "auto",
    ]),
    engine: r.choice<EngineKind>(raw.engine, ["engine"], "auto", ["auto", "fused", "tfjs"]),
    plugins: readPlugins(r, raw.plugins),
  };
  if (r.bool(raw.keep_models, ["keep_models"], false)) config.keepModels = true;
  if (raw.plugin_timeout_s !== undefined && raw.plugin_timeout_s !== null) {
    config.pluginTimeoutS = r.num(
      raw.plugin_timeout_s,
      ["plugin_timeout_s"],
      0,
      0,
      CONFIG_LIMITS.pluginTimeoutS,
      true,
    );
  }
  if (config.engine === "fused" && config.model.type !== "mlp") {
    r.fail(
      ["engine"],
      `engine fused trains MLPs only, not model.type ${config.model.type}`,
      "engine: tfjs or auto for a cnn",
    );
  }
  return config;
}

/**
 * Parses and validates a config's text (YAML or JSON); `file` names it in
 * errors and gives the default run name.
 *
 * @example
 * ```ts
 * const c = parseConfig("training: { epochs: 200 }\nseeds: 3", "quick.yaml");
 * c.training.epochs; // 200
 * c.seeds; // [0, 1, 2]
 * c.model; // { type: "mlp", hidden: [10, 7, 5, 4, 3], activation: "tanh", init: "reference" }
 * ```
 */
export function parseConfig(text: string, file: string): RunConfig {
  const { doc, lines, root } = readYaml(text, file);
  return readConfig(new Reader(file, doc, lines), root);
}

/**
 * A YAML document with its line counter and its value, or a config
 * {@link LensError} naming `file` (and the line of a syntax error).
 */
export function readYaml(
  text: string,
  file: string,
): { doc: Document; lines: LineCounter; root: unknown } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const at = e.linePos?.[0] ?? (e.pos ? lines.linePos(e.pos[0]) : undefined);
    throw new LensError(
      `invalid YAML${at ? ` at line ${at.line}, column ${at.col}` : ""}: ${
        e.message.split("\n")[0]
      }`,
      { code: "config", file, expected: "a YAML (or JSON) mapping" },
    );
  }
  try {
    return { doc, lines, root: doc.toJS({ maxAliasCount: 100 }) };
  } catch (e) {
    throw new LensError(`cannot read YAML: ${errorMessage(e)}`, { code: "config", file });
  }
}

/**
 * Validates an already-parsed config value (snake_case mapping, e.g. a
 * sweep variant merged over its base) exactly as {@link parseConfig} does;
 * errors name `file`, the field `source.field` gives and `source.note`.
 *
 * @example
 * ```ts
 * const c = configFromValue({ model: { hidden: [10] } }, "sweep.yaml", {
 *   field: (p) => `variants[0].${p.join(".")}`,
 *   line: () => undefined,
 *   note: 'variant "depth-1"',
 * });
 * c.model; // { type: "mlp", hidden: [10], activation: "tanh", init: "reference" }
 * ```
 */
export function configFromValue(value: unknown, file: string, source?: ConfigSource): RunConfig {
  return readConfig(new Reader(file, undefined, undefined, source), value);
}

/** Dotted field name of a config path: `["model", "hidden", 2]` -> `model.hidden[2]`. */
export function dottedField(path: (string | number)[]): string {
  return dotted(path);
}

/**
 * Reads and validates a config file.
 *
 * @example
 * ```ts
 * const config = await loadConfig("examples/tishby12_tanh.yaml");
 * ```
 */
export async function loadConfig(path: string): Promise<RunConfig> {
  return parseConfig(await readYamlText(path, "config"), path);
}

/**
 * The text of a YAML file, or a config {@link LensError} naming it ("<what>
 * file not found", or why it cannot be read).
 */
export async function readYamlText(path: string, what: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (e) {
    throw new LensError(
      e instanceof Deno.errors.NotFound
        ? `${what} file not found`
        : `cannot read: ${errorMessage(e)}`,
      { code: "config", file: path, expected: "a readable YAML file" },
    );
  }
}

/** The snake_case mapping of a config, as a YAML file holds it. */
export function configToObject(config: RunConfig): Record<string, unknown> {
  const d = config.data;
  const data: Obj = d.name === "tishby12"
    ? { name: d.name, split: d.split, train_fraction: d.trainFraction }
    : d.name === "mnist"
    ? { name: d.name, subset: d.subset, test_subset: d.testSubset, probe_size: d.probeSize }
    : d.name === "cifar10"
    ? {
      name: d.name,
      path: d.path,
      subset: d.subset,
      test_subset: d.testSubset,
      probe_size: d.probeSize,
    }
    : {
      name: d.name,
      path: d.path,
      ...(d.labels !== undefined ? { labels: d.labels } : {}),
      train_fraction: d.trainFraction,
    };
  const t = config.training;
  const s = config.schedule;
  return {
    name: config.name,
    data,
    model: { ...config.model },
    training: {
      epochs: t.epochs,
      batch_size: t.batchSize,
      lr: t.lr,
      optimizer: t.optimizer,
      shuffle: t.shuffle,
    },
    schedule: { ...s },
    seeds: [...config.seeds],
    backend: config.backend,
    engine: config.engine,
    plugins: config.plugins.map((p) =>
      Object.keys(p.options ?? {}).length
        ? {
          id: p.id,
          options: Object.fromEntries(
            Object.entries(p.options).map(([k, v]) => [optionKey(k), v]),
          ),
        }
        : { id: p.id }
    ),
    ...(config.keepModels ? { keep_models: true } : {}),
    ...(config.pluginTimeoutS !== undefined ? { plugin_timeout_s: config.pluginTimeoutS } : {}),
  };
}

/**
 * A config as YAML (short lists of scalars inline), which {@link parseConfig}
 * reads back to an equal config.
 *
 * @example
 * ```ts
 * console.log(configToYaml(config));
 * // name: tishby12_tanh
 * // data:
 * //   name: tishby12 ...
 * ```
 */
export function configToYaml(config: RunConfig): string {
  const doc = new Document(configToObject(config));
  visit(doc, {
    Seq(_, node) {
      if (isSeq(node) && node.items.every((i) => isScalar(i))) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 100 });
}
