/**
 * The plugin registry: knows every plugin by id, checks a plugin's shape
 * when it is registered, loads custom plugins from `.ts` / `.js` files, and
 * turns a config's plugin list into validated, dependency-ordered
 * {@link ResolvedPlugin}s (options checked against their {@link OptionSpec}s,
 * defaults filled, required plugins added).
 *
 * @module
 */
import { isAbsolute, resolve as resolvePath } from "node:path";
import { pathToFileURL } from "node:url";
import { errorMessage, LensError } from "./errors.ts";
import type { HookName, OptionSpec, Plugin, PluginUse } from "./types.ts";

/** A plugin with its validated options (defaults filled in). */
export interface ResolvedPlugin {
  /** The registered plugin. */
  plugin: Plugin;
  /** Its options, validated against its {@link OptionSpec}s, with defaults filled in. */
  options: Record<string, unknown>;
}

/** Where a plugin list came from, for error messages: a file and a dotted field. */
export interface Where {
  /** File the plugin list was read from. */
  file?: string;
  /** Dotted field of the plugin list, e.g. `plugins`. */
  field?: string;
}

/** Every plugin layerlens knows in one process. */
export interface Registry {
  /** The registered plugins, in registration order. */
  list(): Plugin[];
  /** The plugin with this id, if registered. */
  get(id: string): Plugin | undefined;
  /** Checks the plugin's shape and adds it; a second plugin with the same id is refused. */
  register(p: Plugin): void;
  /** Imports a `.ts` / `.js` file and registers the plugins it exports; returns them. */
  loadFile(path: string): Promise<Plugin[]>;
  /**
   * Validates a plugin list: ids known, options checked and defaults filled,
   * required plugins added with default options, ordered so that every
   * plugin comes after the ones it requires.
   */
  resolve(uses: PluginUse[], where?: Where): ResolvedPlugin[];
}

const HOOKS: readonly HookName[] = [
  "run_start",
  "train_start",
  "epoch_start",
  "batch_end",
  "activations",
  "epoch_end",
  "train_end",
  "run_end",
  "feature",
];

const OPTION_TYPES: readonly OptionSpec["type"][] = [
  "number",
  "integer",
  "boolean",
  "string",
  "enum",
  "number[]",
  "string[]",
];

const KEBAB = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Edit distance between two strings (for "did you mean" hints). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The candidate closest to `word` (case and `_` / `-` ignored first, then
 * edit distance), or undefined when none is close enough to be a typo.
 *
 * @example
 * ```ts
 * nearest("batchSize", ["epochs", "batch_size"]); // "batch_size"
 * ```
 */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, "");
  const w = norm(word);
  const same = candidates.find((c) => norm(c) === w);
  if (same) return same;
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(w, norm(c));
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(1, Math.floor(Math.max(w.length, 3) / 3)) ? best : undefined;
}

/** A value as it would appear in YAML / JSON, for messages. */
function show(v: unknown): string {
  if (v === undefined) return "nothing";
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return String(v);
  }
}

/**
 * How option `name` is written in YAML: snake_case (`batchSize` ->
 * `batch_size`; a name already in snake_case stays as it is).
 *
 * @example
 * ```ts
 * optionKey("lrStart"); // "lr_start"
 * ```
 */
export function optionKey(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Text of an option's accepted values, e.g. `an integer >= 2` or `one of fixed, layer`. */
export function describeOption(spec: OptionSpec): string {
  const range = () => {
    const { min, max } = spec;
    if (min !== undefined && max !== undefined) return ` in [${min}, ${max}]`;
    if (min !== undefined) return ` >= ${min}`;
    if (max !== undefined) return ` <= ${max}`;
    return "";
  };
  switch (spec.type) {
    case "number":
      return `a number${range()}`;
    case "integer":
      return `an integer${range()}`;
    case "boolean":
      return "true or false";
    case "string":
      return "a string";
    case "enum":
      return `one of ${(spec.choices ?? []).join(", ")}`;
    case "number[]":
      return `a list of numbers${range() ? ` each${range()}` : ""}`;
    case "string[]":
      return "a list of strings";
  }
}

/** Whether `v` satisfies `spec` (type, range, choices, element types). */
function fits(spec: OptionSpec, v: unknown): boolean {
  const inRange = (x: number) =>
    (spec.min === undefined || x >= spec.min) && (spec.max === undefined || x <= spec.max);
  const isNum = (x: unknown): x is number => typeof x === "number" && Number.isFinite(x);
  switch (spec.type) {
    case "number":
      return isNum(v) && inRange(v);
    case "integer":
      return isNum(v) && Number.isInteger(v) && inRange(v);
    case "boolean":
      return typeof v === "boolean";
    case "string":
      return typeof v === "string";
    case "enum":
      return typeof v === "string" && (spec.choices ?? []).includes(v);
    case "number[]":
      return Array.isArray(v) && v.every((x) => isNum(x) && inRange(x));
    case "string[]":
      return Array.isArray(v) && v.every((x) => typeof x === "string");
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A copy of a default, so a plugin that mutates its options cannot change the spec. */
function copyValue(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v;
}

/**
 * Checks `options` against `plugin.options` and returns them with defaults
 * filled in. Unknown options and values of the wrong type or range throw a
 * {@link LensError} (code `config`) naming the plugin, the option, and what
 * is accepted; `where.field` (e.g. `plugins[0].options`) prefixes the field.
 *
 * @example
 * ```ts
 * validateOptions(miBinnedPlugin, { bins: 100 }).range; // "fixed" (the default)
 * validateOptions(miBinnedPlugin, { bin: 100 }); // throws: unknown option "bin" ... did you mean "bins"?
 * ```
 */
export function validateOptions(
  plugin: Pick<Plugin, "id" | "options">,
  options: Record<string, unknown>,
  where: Where = {},
): Record<string, unknown> {
  const base = where.field ?? `plugins.${plugin.id}.options`;
  const valid = Object.keys(plugin.options);
  if (!isPlainObject(options)) {
    throw new LensError(`plugin ${plugin.id}: options are ${show(options)}`, {
      code: "config",
      file: where.file,
      field: base,
      expected: "a mapping of option names to values",
    });
  }
  // a YAML file writes options in snake_case, a script may use the declared (camelCase) name
  const byKey = new Map<string, string>();
  for (const name of valid) {
    byKey.set(name, name);
    byKey.set(optionKey(name), name);
  }
  const given: Record<string, unknown> = {};
  for (const key of Object.keys(options)) {
    const name = byKey.get(key);
    if (name === undefined) {
      const hint = nearest(key, valid.map(optionKey));
      throw new LensError(
        `plugin ${plugin.id} has no option "${key}"${hint ? ` (did you mean "${hint}"?)` : ""}`,
        {
          code: "config",
          file: where.file,
          field: `${base}.${key}`,
          expected: valid.length
            ? `one of the options ${valid.map(optionKey).join(", ")}`
            : "no options",
        },
      );
    }
    if (Object.hasOwn(given, name)) {
      throw new LensError(`plugin ${plugin.id}: option ${optionKey(name)} is given twice`, {
        code: "config",
        file: where.file,
        field: `${base}.${key}`,
        expected: `one of ${optionKey(name)} or ${name}, not both`,
      });
    }
    given[name] = options[key];
  }
  const out: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(plugin.options)) {
    const value = given[key];
    if (value === undefined || value === null) {
      out[key] = copyValue(spec.default);
      continue;
    }
    if (!fits(spec, value)) {
      const name = optionKey(key);
      throw new LensError(
        `plugin ${plugin.id}: option ${name} must be ${describeOption(spec)}, got ${show(value)}`,
        {
          code: "config",
          file: where.file,
          field: `${base}.${name}`,
          expected: `${spec.type}: ${describeOption(spec)}`,
        },
      );
    }
    out[key] = copyValue(value);
  }
  return out;
}

/**
 * Throws a {@link LensError} (code `plugin`) unless `p` has the shape of a
 * {@link Plugin}: a kebab-case id, a description, options with known types
 * whose defaults satisfy their own spec, known hook names, emitted metrics
 * and a `setup` function. `file` names where the plugin came from.
 */
export function checkPluginShape(
  p: unknown,
  file?: string,
  exportName?: string,
): asserts p is Plugin {
  const fail = (message: string, field?: string, expected?: string): never => {
    const prefix = exportName ? `export ${exportName}: ` : "";
    throw new LensError(prefix + message, { code: "plugin", file, field, expected });
  };
  if (!isPlainObject(p)) return fail(`a plugin must be an object, got ${show(p)}`);
  const id = p.id;
  if (typeof id !== "string" || !KEBAB.test(id)) {
    fail(
      `plugin id ${show(id)} is not kebab-case`,
      "id",
      "lower-case words joined by '-', e.g. mean-abs-activation",
    );
  }
  const name = `plugin ${id}`;
  if (typeof p.description !== "string" || p.description.trim() === "") {
    fail(`${name}: description is ${show(p.description)}`, "description", "a non-empty string");
  }
  if (!isPlainObject(p.options)) {
    fail(
      `${name}: options is ${show(p.options)}`,
      "options",
      "a mapping of option specs ({} if none)",
    );
  }
  for (const [key, spec] of Object.entries(p.options as Record<string, unknown>)) {
    const field = `options.${key}`;
    if (!isPlainObject(spec)) {
      fail(`${name}: option ${key} is ${show(spec)}`, field, "an OptionSpec");
    }
    const s = spec as unknown as OptionSpec;
    if (!OPTION_TYPES.includes(s.type)) {
      fail(
        `${name}: option ${key} has type ${show(s.type)}`,
        `${field}.type`,
        OPTION_TYPES.join(", "),
      );
    }
    if (typeof s.description !== "string") {
      fail(`${name}: option ${key} has no description`, `${field}.description`, "a string");
    }
    if (
      s.type === "enum" &&
      (!Array.isArray(s.choices) || !s.choices.length ||
        s.choices.some((c) => typeof c !== "string"))
    ) {
      fail(
        `${name}: enum option ${key} has choices ${show(s.choices)}`,
        `${field}.choices`,
        "a non-empty list of strings",
      );
    }
    for (const bound of ["min", "max"] as const) {
      if (s[bound] !== undefined && typeof s[bound] !== "number") {
        fail(
          `${name}: option ${key} has ${bound} ${show(s[bound])}`,
          `${field}.${bound}`,
          "a number",
        );
      }
    }
    if (!fits(s, s.default)) {
      fail(
        `${name}: default of option ${key} is ${show(s.default)}, which its own spec refuses`,
        `${field}.default`,
        describeOption(s),
      );
    }
  }
  if (!Array.isArray(p.consumes) || !p.consumes.length) {
    fail(
      `${name}: consumes is ${show(p.consumes)}`,
      "consumes",
      `a non-empty list of ${HOOKS.join(", ")}`,
    );
  }
  for (const h of p.consumes as unknown[]) {
    if (!HOOKS.includes(h as HookName)) {
      const hint = typeof h === "string" ? nearest(h, HOOKS) : undefined;
      fail(
        `${name}: consumes unknown hook ${show(h)}${hint ? ` (did you mean "${hint}"?)` : ""}`,
        "consumes",
        `hook names: ${HOOKS.join(", ")}`,
      );
    }
  }
  if (
    p.requires !== undefined &&
    (!Array.isArray(p.requires) || p.requires.some((r) => typeof r !== "string"))
  ) {
    fail(`${name}: requires is ${show(p.requires)}`, "requires", "a list of plugin ids");
  }
  if (
    !Array.isArray(p.emits) ||
    p.emits.some((m) => !isPlainObject(m) || typeof m.name !== "string" || m.name === "")
  ) {
    fail(`${name}: emits is ${show(p.emits)}`, "emits", "a list of { name, description }");
  }
  if (p.charts !== undefined && !Array.isArray(p.charts)) {
    fail(`${name}: charts is ${show(p.charts)}`, "charts", "a list of chart specs");
  }
  if (typeof p.setup !== "function") {
    fail(`${name}: setup is ${show(p.setup)}`, "setup", "a function (ctx, options) => handlers");
  }
}

/** Whether an exported value looks like it was meant to be a plugin. */
function looksLikePlugin(v: unknown): boolean {
  return isPlainObject(v) && "id" in v && "setup" in v;
}

/**
 * A registry holding `plugins` (usually `builtinPlugins()`).
 *
 * @example
 * ```ts
 * const registry = createRegistry(builtinPlugins());
 * await registry.loadFile("examples/my_metric.ts");
 * const resolved = registry.resolve([{ id: "phases", options: {} }]);
 * resolved.map((r) => r.plugin.id); // ["grad-snr", "mi-binned", "phases"]
 * ```
 */
export function createRegistry(plugins: Plugin[] = []): Registry {
  const byId = new Map<string, Plugin>();

  const register = (p: Plugin, file?: string) => {
    checkPluginShape(p, file);
    const had = byId.get(p.id);
    if (had === p) return; // the same object again (a file loaded twice): nothing to do
    if (had) {
      throw new LensError(`a plugin with id "${p.id}" is already registered`, {
        code: "plugin",
        file,
        field: "id",
        expected: `an id not in use (in use: ${[...byId.keys()].join(", ")})`,
      });
    }
    byId.set(p.id, p);
  };

  for (const p of plugins) register(p);

  const resolveUses = (uses: PluginUse[], where: Where = {}): ResolvedPlugin[] => {
    const field = where.field ?? "plugins";
    if (!Array.isArray(uses)) {
      throw new LensError(`plugin list is ${show(uses)}`, {
        code: "config",
        file: where.file,
        field,
        expected: "a list of plugin uses",
      });
    }
    const listed = new Map<string, { plugin: Plugin; options: Record<string, unknown> }>();
    uses.forEach((use, i) => {
      const at = `${field}[${i}]`;
      if (!isPlainObject(use) || typeof use.id !== "string") {
        throw new LensError(`plugin use is ${show(use)}`, {
          code: "config",
          file: where.file,
          field: at,
          expected: "{ id: <plugin id>, options: {...} }",
        });
      }
      const plugin = byId.get(use.id);
      if (!plugin) {
        const hint = nearest(use.id, [...byId.keys()]);
        throw new LensError(
          `unknown plugin "${use.id}"${hint ? ` (did you mean "${hint}"?)` : ""}`,
          {
            code: "config",
            file: where.file,
            field: `${at}.id`,
            expected: `one of the known plugins ${[...byId.keys()].join(", ")}` +
              " (custom plugins load with --plugin ./file.ts)",
          },
        );
      }
      if (listed.has(use.id)) {
        throw new LensError(`plugin ${use.id} is listed twice`, {
          code: "config",
          file: where.file,
          field: `${at}.id`,
          expected: "each plugin once (merge the options into one entry)",
        });
      }
      const options = validateOptions(plugin, use.options ?? {}, {
        file: where.file,
        field: `${at}.options`,
      });
      listed.set(use.id, { plugin, options });
    });

    const out: ResolvedPlugin[] = [];
    const done = new Set<string>();
    const visit = (id: string, path: string[], neededBy?: string) => {
      if (done.has(id)) return;
      const cycleAt = path.indexOf(id);
      if (cycleAt >= 0) {
        throw new LensError(
          `plugins require each other in a cycle: ${[...path.slice(cycleAt), id].join(" -> ")}`,
          { code: "plugin", file: where.file, field, expected: "requires without cycles" },
        );
      }
      let entry = listed.get(id);
      if (!entry) {
        const plugin = byId.get(id);
        if (!plugin) {
          throw new LensError(`plugin ${neededBy} requires "${id}", which is not registered`, {
            code: "plugin",
            file: where.file,
            field,
            expected: `a registered plugin (known: ${[...byId.keys()].join(", ")})`,
          });
        }
        entry = { plugin, options: validateOptions(plugin, {}, { file: where.file }) };
      }
      for (const r of entry.plugin.requires ?? []) visit(r, [...path, id], id);
      done.add(id);
      out.push(entry);
    };
    for (const id of listed.keys()) visit(id, []);
    return out;
  };

  return {
    list: () => [...byId.values()],
    get: (id) => byId.get(id),
    register: (p) => register(p),
    resolve: resolveUses,
    async loadFile(path: string): Promise<Plugin[]> {
      const abs = isAbsolute(path) ? path : resolvePath(Deno.cwd(), path);
      if (!/\.(m?[jt]s|tsx|jsx)$/.test(abs)) {
        throw new LensError("a plugin file must be a .ts or .js module", {
          code: "plugin",
          file: path,
          expected: "a .ts or .js file exporting a plugin",
        });
      }
      try {
        Deno.statSync(abs);
      } catch {
        throw new LensError("plugin file not found", {
          code: "plugin",
          file: path,
          expected: `a file at ${abs}`,
        });
      }
      let mod: Record<string, unknown>;
      try {
        mod = await import(pathToFileURL(abs).href);
      } catch (e) {
        throw new LensError(`cannot import plugin file: ${errorMessage(e)}`, {
          code: "plugin",
          file: path,
        });
      }
      const found: Plugin[] = [];
      const add = (v: unknown, name: string) => {
        if (found.includes(v as Plugin)) return;
        checkPluginShape(v, path, name);
        found.push(v);
      };
      const def = mod.default;
      if (Array.isArray(def)) def.forEach((v, i) => add(v, `default[${i}]`));
      else if (def !== undefined) add(def, "default");
      for (const [name, v] of Object.entries(mod)) {
        if (name !== "default" && looksLikePlugin(v)) add(v, name);
      }
      if (!found.length) {
        throw new LensError("the file exports no plugin", {
          code: "plugin",
          file: path,
          expected: "export default plugin, export default [plugins], or named plugin exports",
        });
      }
      for (const p of found) register(p, path);
      return found;
    },
  };
}
