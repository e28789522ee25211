/**
 * Sweep files: one base config and a list of named variants, each a set of
 * field overrides in the config's own snake_case syntax. Every variant is
 * merged over the base (mappings merged key by key, lists and scalars
 * replaced) and validated exactly like a config file ({@link parseConfig}),
 * so a bad field fails before anything trains, naming the sweep file, the
 * variant and the field.
 *
 * Errors are {@link LensError}s with code `config`, e.g.
 * `sweep.yaml: variants[1].model.hidden[0]: must be an integer >= 1, got 0
 * (variant "depth-2", line 9)`.
 *
 * @example
 * ```yaml
 * name: depth            # default: the file name
 * base: tishby12_tanh.yaml   # relative to this file, or an inline config mapping
 * loss_threshold: 0.1    # train loss the summary table times (default 0.1)
 * plane_tolerance: 0.1   # bits: "converged in the plane" (default 0.1)
 * variants:
 *   - { name: depth-1, model: { hidden: [10] } }
 *   - { name: depth-2, model: { hidden: [10, 7] } }
 * ```
 *
 * @module
 */
import { basename, dirname, isAbsolute, join } from "node:path";
import type { Document, LineCounter } from "../deps/yaml.ts";
import {
  CONFIG_KEYS,
  configFromValue,
  type ConfigSource,
  dottedField,
  parseConfig,
  readYaml,
  readYamlText,
} from "./config.ts";
import { errorMessage, LensError } from "./errors.ts";
import { nearest } from "./registry.ts";
import type { RunConfig } from "./types.ts";

/** Defaults of the sweep-level fields. */
export const SWEEP_DEFAULTS = {
  lossThreshold: 0.1,
  planeTolerance: 0.1,
} as const;

/** The keys a sweep file may have. */
export const SWEEP_KEYS: readonly string[] = [
  "name",
  "base",
  "loss_threshold",
  "plane_tolerance",
  "variants",
];

/** One variant: its name, the overrides as written, and the validated config. */
export interface SweepVariant {
  /** Variant name, unique within the sweep. */
  name: string;
  /** The overrides as written (snake_case config fields), without `name`. */
  overrides: Record<string, unknown>;
  /** The base merged with the overrides, validated; its `name` is `<sweep>/<variant>`. */
  config: RunConfig;
}

/** A validated sweep. */
export interface Sweep {
  /** Sweep name (default: the file name without its extension). */
  name: string;
  /** The sweep file. */
  file: string;
  /** The base config's file (the sweep file itself when the base is inline). */
  baseFile: string;
  /** The validated base config. */
  base: RunConfig;
  /** Training loss the summary table reports the first epoch below (`loss_threshold`). */
  lossThreshold: number;
  /** Tolerance in bits for "converged in the information plane" (`plane_tolerance`). */
  planeTolerance: number;
  /** The variants, in file order. */
  variants: SweepVariant[];
}

type Obj = Record<string, unknown>;
type Path = (string | number)[];

function isMapping(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * `override` merged over `base`: mappings key by key (recursively), any
 * other value (list, scalar) replaces the base's, and a key set to `null`
 * in a mapping removes that key (as a JSON merge patch, RFC 7386), e.g.
 * `model: { type: cnn, hidden: null, conv: [...] }` over an MLP base. Pure.
 *
 * @example
 * ```ts
 * mergeOverrides({ model: { hidden: [10, 7], activation: "tanh" } }, { model: { hidden: [10] } });
 * // { model: { hidden: [10], activation: "tanh" } }
 * ```
 */
export function mergeOverrides(base: unknown, override: unknown): unknown {
  if (!isMapping(base) || !isMapping(override)) return structuredClone(override);
  const out: Obj = structuredClone(base);
  for (const [k, v] of Object.entries(override)) {
    if (v === null) delete out[k];
    else out[k] = mergeOverrides(base[k], v);
  }
  return out;
}

/** How many leading steps of `path` exist in `value`; Infinity when a non-mapping owns the rest. */
function depthIn(value: unknown, path: Path): number {
  let cur = value;
  for (let i = 0; i < path.length; i++) {
    if (Array.isArray(cur)) {
      const k = path[i];
      if (typeof k !== "number" || k >= cur.length) return Infinity;
      cur = cur[k];
      continue;
    }
    if (!isMapping(cur)) return i === 0 ? 0 : Infinity;
    if (!(String(path[i]) in cur)) return i;
    cur = cur[String(path[i])];
  }
  return Infinity;
}

/** Line of the node at `path` in `doc` (the deepest existing prefix). */
function lineOf(doc: Document, lines: LineCounter, path: Path): number | undefined {
  for (let n = path.length; n > 0; n--) {
    const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] };
    if (node && typeof node === "object" && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function fail(file: string, path: Path, message: string, expected?: string, line?: number): never {
  throw new LensError(`${message}${line ? ` (line ${line})` : ""}`, {
    code: "config",
    file,
    field: dottedField(path),
    expected,
  });
}

/** A run name piece: letters, digits, `_`, `.`, `-`. */
const NAME_RE = /^[A-Za-z0-9_.-]+$/;

/**
 * Parses and validates a sweep's text; `file` names it in errors and is
 * the directory a `base` path is read relative to. `readFile` reads the
 * base (injectable for tests; default Deno.readTextFileSync).
 *
 * @example
 * ```ts
 * const s = parseSweep(
 *   "base: { training: { epochs: 100 } }\nvariants:\n  - { name: a, model: { hidden: [4] } }",
 *   "s.yaml",
 * );
 * s.variants[0].config.model; // { type: "mlp", hidden: [4], activation: "tanh", init: "reference" }
 * s.variants[0].config.name; // "s/a"
 * ```
 */
export function parseSweep(
  text: string,
  file: string,
  readFile: (path: string) => string = (p) => Deno.readTextFileSync(p),
): Sweep {
  const { doc, lines, root } = readYaml(text, file);
  const at = (path: Path) => lineOf(doc, lines, path);
  if (!isMapping(root)) {
    fail(file, [], "a sweep must be a mapping with keys " + SWEEP_KEYS.join(", "));
  }
  for (const key of Object.keys(root)) {
    if (key === "mi_plugin") {
      fail(
        file,
        ["mi_plugin"],
        "is no longer read: the table shows the columns of every plugin the variants run " +
          "(each MI estimator's own); remove the key",
        undefined,
        at(["mi_plugin"]),
      );
    }
    if (!SWEEP_KEYS.includes(key)) {
      const hint = nearest(key, SWEEP_KEYS);
      fail(
        file,
        [key],
        `unknown key${hint ? ` (did you mean "${hint}"?)` : ""}`,
        `one of ${SWEEP_KEYS.join(", ")}`,
        at([key]),
      );
    }
  }
  const fallbackName = basename(file).replace(/\.(ya?ml|json)$/i, "") || "sweep";
  const name = root.name ?? fallbackName;
  if (typeof name !== "string" || !NAME_RE.test(name)) {
    fail(
      file,
      ["name"],
      `must be letters, digits, _ . -, got ${JSON.stringify(name)}`,
      undefined,
      at(["name"]),
    );
  }
  const num = (key: string, def: number): number => {
    const v = root[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) {
      fail(
        file,
        [key],
        `must be a number > 0, got ${JSON.stringify(v)}`,
        "a number > 0",
        at([key]),
      );
    }
    return v;
  };
  const lossThreshold = num("loss_threshold", SWEEP_DEFAULTS.lossThreshold);
  const planeTolerance = num("plane_tolerance", SWEEP_DEFAULTS.planeTolerance);

  // the base: a file relative to the sweep, or an inline mapping
  let baseRaw: unknown;
  let base: RunConfig;
  let baseFile = file;
  let baseSource: { doc: Document; lines: LineCounter; prefix: Path };
  if (typeof root.base === "string") {
    baseFile = isAbsolute(root.base) ? root.base : join(dirname(file), root.base);
    let baseText: string;
    try {
      baseText = readFile(baseFile);
    } catch (e) {
      fail(
        file,
        ["base"],
        `cannot read the base config ${baseFile}: ${
          e instanceof Deno.errors.NotFound ? "file not found" : errorMessage(e)
        }`,
        "a config file path relative to the sweep file",
        at(["base"]),
      );
    }
    base = parseConfig(baseText, baseFile);
    const y = readYaml(baseText, baseFile);
    baseRaw = y.root ?? {};
    baseSource = { doc: y.doc, lines: y.lines, prefix: [] };
  } else if (isMapping(root.base)) {
    baseRaw = root.base;
    base = configFromValue(root.base, file, {
      field: (p) => dottedField(["base", ...p]),
      line: (p) => at(["base", ...p]),
    });
    baseSource = { doc, lines, prefix: ["base"] };
  } else {
    fail(
      file,
      ["base"],
      `must be a config file path or an inline config mapping, got ${JSON.stringify(root.base)}`,
      "a path or a mapping",
      at(["base"]),
    );
  }

  const raw = root.variants;
  if (!Array.isArray(raw) || raw.length === 0) {
    fail(
      file,
      ["variants"],
      "must be a list of { name, <config overrides> } (at least one)",
      undefined,
      at(["variants"]),
    );
  }
  const variantKeys = ["name", ...CONFIG_KEYS.filter((k) => k !== "name")];
  const seen = new Set<string>();
  const variants: SweepVariant[] = (raw as unknown[]).map((v, i) => {
    const path: Path = ["variants", i];
    if (!isMapping(v)) {
      fail(
        file,
        path,
        `must be a mapping { name, <config overrides> }, got ${JSON.stringify(v)}`,
        undefined,
        at(path),
      );
    }
    const vname = v.name;
    if (typeof vname !== "string" || !NAME_RE.test(vname)) {
      fail(
        file,
        [...path, "name"],
        `must be a name of letters, digits, _ . -, got ${JSON.stringify(vname)}`,
        "a variant name",
        at([...path, "name"]),
      );
    }
    if (seen.has(vname)) {
      fail(
        file,
        [...path, "name"],
        `variant "${vname}" is listed twice`,
        "distinct names",
        at([...path, "name"]),
      );
    }
    seen.add(vname);
    for (const key of Object.keys(v)) {
      if (!variantKeys.includes(key)) {
        const hint = nearest(key, variantKeys);
        fail(
          file,
          [...path, key],
          `unknown key in variant "${vname}"${hint ? ` (did you mean "${hint}"?)` : ""}`,
          `one of ${variantKeys.join(", ")}`,
          at([...path, key]),
        );
      }
    }
    const overrides: Obj = { ...v };
    delete overrides.name;
    const merged = mergeOverrides(baseRaw, overrides) as Obj;
    merged.name = `${name}/${vname}`;
    const source: ConfigSource = {
      note: `variant "${vname}"`,
      field: (p) => {
        const own = depthIn(overrides, p);
        const inBase = depthIn(baseRaw, p);
        if (own > 0 && own >= inBase) return dottedField([...path, ...p]);
        return dottedField([...baseSource.prefix, ...p]) +
          (baseFile !== file ? ` (from ${baseFile})` : "");
      },
      line: (p) => {
        const own = depthIn(overrides, p);
        const inBase = depthIn(baseRaw, p);
        if (own > 0 && own >= inBase) return at([...path, ...p]);
        return lineOf(baseSource.doc, baseSource.lines, [...baseSource.prefix, ...p]);
      },
    };
    return { name: vname, overrides, config: configFromValue(merged, file, source) };
  });
  return { name, file, baseFile, base, lossThreshold, planeTolerance, variants };
}

/**
 * Reads and validates a sweep file ({@link parseSweep}).
 *
 * @example
 * ```ts
 * const sweep = await loadSweep("examples/sweep_depth.yaml");
 * sweep.variants.map((v) => v.name); // ["depth-1", ..., "depth-6"]
 * ```
 */
export async function loadSweep(path: string): Promise<Sweep> {
  return parseSweep(await readYamlText(path, "sweep"), path);
}
