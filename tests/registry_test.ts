/**
 * The plugin registry: dependency ordering (required plugins added with
 * defaults, cycles refused), option validation (unknown option, wrong type
 * or range, list elements, defaults filled) with the plugin, option and
 * accepted values named, shape checks on register, and loading plugins
 * from files (default, list and named exports; malformed files named).
 */
import assert from "node:assert/strict";
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import { LensError } from "../core/errors.ts";
import { createRegistry, nearest, validateOptions } from "../core/registry.ts";
import type { ActivationsEvent, Plugin, ResultInput } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";

const fixture = (name: string) =>
  fileURLToPath(new URL(`./fixtures/plugins/${name}`, import.meta.url));

/** A minimal valid plugin with the given id, requirements and options. */
function plugin(id: string, requires: string[] = [], options: Plugin["options"] = {}): Plugin {
  return {
    id,
    description: `test plugin ${id}`,
    options,
    consumes: ["activations"],
    requires,
    emits: [{ name: "x", description: "x" }],
    setup: () => ({}),
  };
}

const OPTS: Plugin["options"] = {
  bins: { type: "integer", default: 30, min: 2, description: "bins" },
  noise: { type: "number", default: 0.1, min: 0, max: 1, description: "noise" },
  range: { type: "enum", default: "fixed", choices: ["fixed", "layer"], description: "range" },
  flag: { type: "boolean", default: false, description: "flag" },
  label: { type: "string", default: "", description: "label" },
  widths: { type: "number[]", default: [1, 2], min: 0, description: "widths" },
  layers: { type: "string[]", default: [], description: "layers" },
};

/** The LensError `fn` throws (fails the test if it throws something else or nothing). */
function lensError(fn: () => unknown): LensError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof LensError, `expected a LensError, got ${e}`);
    return e;
  }
  assert.fail("expected a LensError to be thrown");
}

async function lensErrorAsync(fn: () => Promise<unknown>): Promise<LensError> {
  try {
    await fn();
  } catch (e) {
    assert.ok(e instanceof LensError, `expected a LensError, got ${e}`);
    return e;
  }
  assert.fail("expected a LensError to be thrown");
}

Deno.test("resolve orders by requires and adds missing required plugins with defaults", () => {
  const reg = createRegistry([
    plugin("c", ["b"]),
    plugin("b", ["a"], { k: { type: "integer", default: 7, description: "k" } }),
    plugin("a"),
    plugin("d"),
  ]);
  const out = reg.resolve([{ id: "d", options: {} }, { id: "c", options: {} }]);
  assert.deepEqual(out.map((r) => r.plugin.id), ["d", "a", "b", "c"]);
  assert.deepEqual(out[2].options, { k: 7 });
  // listed later than its dependant: still ordered after what it requires
  const out2 = reg.resolve([{ id: "c", options: {} }, { id: "a", options: {} }]);
  assert.deepEqual(out2.map((r) => r.plugin.id), ["a", "b", "c"]);
  // a diamond: each plugin once
  const diamond = createRegistry([
    plugin("top", ["left", "right"]),
    plugin("left", ["base"]),
    plugin("right", ["base"]),
    plugin("base"),
  ]);
  assert.deepEqual(
    diamond.resolve([{ id: "top", options: {} }]).map((r) => r.plugin.id),
    ["base", "left", "right", "top"],
  );
});

Deno.test("resolve keeps the options given to a listed required plugin", () => {
  const reg = createRegistry([plugin("uses", ["base"]), plugin("base", [], OPTS)]);
  const out = reg.resolve([
    { id: "uses", options: {} },
    { id: "base", options: { bins: 100 } },
  ]);
  assert.deepEqual(out.map((r) => r.plugin.id), ["base", "uses"]);
  assert.equal(out[0].options.bins, 100);
});

Deno.test("resolve refuses cycles and unregistered requirements", () => {
  const reg = createRegistry([plugin("x", ["y"]), plugin("y", ["z"]), plugin("z", ["x"])]);
  const e = lensError(() => reg.resolve([{ id: "x", options: {} }]));
  assert.match(e.message, /cycle: x -> y -> z -> x/);
  const self = createRegistry([plugin("s", ["s"])]);
  assert.match(lensError(() => self.resolve([{ id: "s", options: {} }])).message, /s -> s/);
  const missing = createRegistry([plugin("needs", ["absent"])]);
  const m = lensError(() => missing.resolve([{ id: "needs", options: {} }], { file: "r.yaml" }));
  assert.match(m.message, /plugin needs requires "absent", which is not registered/);
  assert.equal(m.file, "r.yaml");
});

Deno.test("unknown plugin id: the error lists the known ids and suggests the nearest", () => {
  const reg = createRegistry(builtinPlugins());
  const e = lensError(() =>
    reg.resolve([{ id: "mi-binned", options: {} }, { id: "mi-bined", options: {} }], {
      file: "run.yaml",
      field: "plugins",
    })
  );
  assert.equal(e.code, "config");
  assert.equal(e.file, "run.yaml");
  assert.equal(e.field, "plugins[1].id");
  assert.match(e.message, /unknown plugin "mi-bined" \(did you mean "mi-binned"\?\)/);
  for (const id of ["mi-binned", "mi-kde", "grad-snr"]) assert.ok(e.expected!.includes(id));
  const twice = lensError(() =>
    reg.resolve([{ id: "mi-kde", options: {} }, { id: "mi-kde", options: {} }])
  );
  assert.match(twice.message, /listed twice/);
});

Deno.test("unknown option: names the plugin and option, lists the valid ones", () => {
  const p = plugin("opts", [], OPTS);
  const e = lensError(() =>
    validateOptions(p, { bin: 3 }, { file: "f.yaml", field: "plugins[0].options" })
  );
  assert.equal(e.code, "config");
  assert.equal(e.field, "plugins[0].options.bin");
  assert.match(e.message, /^f\.yaml: plugins\[0\]\.options\.bin: plugin opts has no option "bin"/);
  assert.match(e.message, /did you mean "bins"/);
  assert.equal(e.expected, "one of the options bins, noise, range, flag, label, widths, layers");
  // through resolve the field carries the list position
  const reg = createRegistry([plugin("a"), p]);
  const r = lensError(() =>
    reg.resolve([{ id: "a", options: {} }, { id: "opts", options: { zzz: 1 } }], {
      field: "plugins",
    })
  );
  assert.equal(r.field, "plugins[1].options.zzz");
});

Deno.test("wrong option types and ranges name the expected type and range", () => {
  const p = plugin("opts", [], OPTS);
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ bins: 2.5 }, "bins", /option bins must be an integer >= 2, got 2\.5/],
    [{ bins: 1 }, "bins", /an integer >= 2, got 1/],
    [{ bins: "30" }, "bins", /an integer >= 2, got "30"/],
    [{ noise: 2 }, "noise", /option noise must be a number in \[0, 1\], got 2/],
    [{ noise: Number.NaN }, "noise", /a number in \[0, 1\]/],
    [{ range: "global" }, "range", /must be one of fixed, layer, got "global"/],
    [{ flag: "yes" }, "flag", /must be true or false/],
    [{ label: 3 }, "label", /must be a string, got 3/],
    [{ widths: [1, "a"] }, "widths", /a list of numbers each >= 0, got \[1,"a"\]/],
    [{ widths: [1, -1] }, "widths", /each >= 0/],
    [{ widths: 3 }, "widths", /a list of numbers/],
    [{ layers: ["dense_1", 2] }, "layers", /a list of strings/],
  ];
  for (const [options, key, pattern] of cases) {
    const e = lensError(() => validateOptions(p, options));
    assert.equal(e.code, "config");
    assert.equal(e.field, `plugins.opts.options.${key}`, JSON.stringify(options));
    assert.match(e.message, pattern, JSON.stringify(options));
    assert.ok(e.expected!.startsWith(OPTS[key].type), e.expected ?? "");
  }
  assert.match(
    lensError(() => validateOptions(p, [] as unknown as Record<string, unknown>)).message,
    /options are \[\]/,
  );
});

Deno.test("validateOptions fills defaults and copies list defaults", () => {
  const p = plugin("opts", [], OPTS);
  const o = validateOptions(p, { bins: 100, widths: [0.5], layers: ["output"] });
  assert.deepEqual(o, {
    bins: 100,
    noise: 0.1,
    range: "fixed",
    flag: false,
    label: "",
    widths: [0.5],
    layers: ["output"],
  });
  const d = validateOptions(p, {});
  (d.widths as number[]).push(99);
  assert.deepEqual(OPTS.widths.default, [1, 2], "a default list must not be shared");
  // null means "use the default" (a YAML key with no value)
  assert.equal(validateOptions(p, { bins: null }).bins, 30);
});

Deno.test("register checks the plugin's shape and refuses duplicate ids", () => {
  const reg = createRegistry();
  const bad: [Partial<Plugin> & Record<string, unknown>, RegExp][] = [
    [{ id: "Bad_Id" }, /not kebab-case/],
    [
      { id: "ok", consumes: ["activation" as never] },
      /unknown hook "activation" \(did you mean "activations"\?\)/,
    ],
    [{ id: "ok", consumes: [] }, /consumes is \[\]/],
    [{ id: "ok", setup: undefined as never }, /setup is nothing/],
    [{ id: "ok", description: "" }, /description/],
    [
      { id: "ok", options: { n: { type: "integer", default: 1.5, description: "n" } } },
      /default of option n is 1\.5/,
    ],
    [
      { id: "ok", options: { n: { type: "integer", default: 0, min: 1, description: "n" } } },
      /default of option n is 0/,
    ],
    [{ id: "ok", options: { n: { type: "enum", default: "a", description: "n" } } }, /choices/],
    [
      { id: "ok", options: { n: { type: "float" as never, default: 1, description: "n" } } },
      /type "float"/,
    ],
    [{ id: "ok", requires: "mi-binned" as never }, /requires is "mi-binned"/],
    [{ id: "ok", emits: [{ description: "no name" }] as never }, /emits/],
  ];
  for (const [patch, pattern] of bad) {
    const e = lensError(() => reg.register({ ...plugin("ok"), ...patch } as Plugin));
    assert.equal(e.code, "plugin");
    assert.match(e.message, pattern);
  }
  assert.equal(reg.list().length, 0, "nothing malformed was registered");
  const p = plugin("ok");
  reg.register(p);
  reg.register(p); // the same object again: a no-op
  assert.equal(reg.list().length, 1);
  const dup = lensError(() => reg.register(plugin("ok")));
  assert.match(dup.message, /already registered/);
  assert.equal(reg.get("ok"), p);
  assert.equal(reg.get("nope"), undefined);
});

Deno.test("the built-in plugins register, and phases pulls in what it requires", () => {
  const reg = createRegistry(builtinPlugins());
  const ids = reg.list().map((p) => p.id);
  for (const id of ["mi-binned", "mi-kde", "grad-snr"]) assert.ok(ids.includes(id), id);
  const phases = reg.get("phases");
  if (phases) {
    const out = reg.resolve([{ id: "phases", options: {} }]).map((r) => r.plugin.id);
    assert.equal(out[out.length - 1], "phases");
    for (const r of phases.requires ?? []) assert.ok(out.indexOf(r) < out.indexOf("phases"), r);
  }
  // the mi-binned defaults are the reference estimator's
  const [mi] = reg.resolve([{ id: "mi-binned", options: {} }]);
  assert.equal(mi.options.bins, 30);
  assert.equal(mi.options.range, "fixed");
});

Deno.test("loadFile: default export, list export and named exports", async () => {
  const reg = createRegistry();
  const one = await reg.loadFile(fixture("default_plugin.ts"));
  assert.deepEqual(one.map((p) => p.id), ["fixture-default"]);
  const two = await reg.loadFile(fixture("array_plugins.ts"));
  assert.deepEqual(two.map((p) => p.id), ["fixture-derived", "fixture-base"]);
  const named = await reg.loadFile(fixture("named_plugins.ts"));
  assert.deepEqual(named.map((p) => p.id).sort(), ["fixture-first", "fixture-second"]);
  // loading the same file again changes nothing
  await reg.loadFile(fixture("default_plugin.ts"));
  assert.equal(reg.list().length, 5);
  const out = reg.resolve([{ id: "fixture-derived", options: {} }]);
  assert.deepEqual(out.map((r) => [r.plugin.id, r.options]), [
    ["fixture-base", {}],
    ["fixture-derived", { tags: ["a"] }],
  ]);
});

Deno.test("loadFile resolves a relative path against the working directory", async () => {
  const rel = relative(Deno.cwd(), fixture("named_plugins.ts"));
  assert.ok(!rel.startsWith("/"));
  const reg = createRegistry();
  const got = await reg.loadFile(rel);
  assert.equal(got.length, 2);
});

Deno.test("loadFile errors name the file", async () => {
  const cases: [string, RegExp][] = [
    [
      "malformed_plugin.ts",
      /export default: plugin fixture-malformed: consumes unknown hook "activation"/,
    ],
    ["no_plugin.ts", /exports no plugin/],
    ["throws_on_import.ts", /cannot import plugin file: .*fixture broken at import/],
    ["missing_file.ts", /plugin file not found/],
  ];
  for (const [name, pattern] of cases) {
    const reg = createRegistry();
    const path = fixture(name);
    const e = await lensErrorAsync(() => reg.loadFile(path));
    assert.equal(e.code, "plugin");
    assert.equal(e.file, path);
    assert.ok(e.message.startsWith(path), e.message);
    assert.match(e.message, pattern);
    assert.equal(reg.list().length, 0);
  }
  const reg = createRegistry();
  const notTs = await lensErrorAsync(() => reg.loadFile(fixture("../infoplane_digitize.json")));
  assert.match(notTs.message, /\.ts or \.js module/);
});

Deno.test("a loaded plugin whose id is taken is refused, naming the file", async () => {
  const reg = createRegistry([plugin("fixture-default")]);
  const path = fixture("default_plugin.ts");
  const e = await lensErrorAsync(() => reg.loadFile(path));
  assert.equal(e.file, path);
  assert.match(e.message, /"fixture-default" is already registered/);
});

Deno.test("examples/my_metric.ts: mean absolute activation per layer", async () => {
  const reg = createRegistry(builtinPlugins());
  const [p] = await reg.loadFile(
    fileURLToPath(new URL("../examples/my_metric.ts", import.meta.url)),
  );
  assert.equal(p.id, "mean-abs-activation");
  const [{ options }] = reg.resolve([{ id: p.id, options: { layers: ["dense_1", "output"] } }]);
  const emitted: ResultInput[] = [];
  const instance = await p.setup({
    runId: "r",
    artifacts: new Map(),
    emit: (r) => emitted.push(...r),
    results: () => [],
    log: () => {},
  }, options);
  const event: ActivationsEvent = {
    seed: 2,
    epoch: 5,
    labels: new Int32Array([0, 1]),
    numClasses: 2,
    cache: new Map([
      ["dense_1", { data: new Float32Array([-1, 0.5, 0.25, -0.25]), rows: 2, cols: 2 }],
      ["dense_2", { data: new Float32Array([9, 9]), rows: 2, cols: 1 }],
      ["output", { data: new Float32Array([0.2, 0.8, 0.6, 0.4]), rows: 2, cols: 2 }],
    ]),
  };
  await instance.activations!(event);
  assert.equal(emitted.length, 2, "dense_2 is not among the chosen layers");
  // (1 + 0.5 + 0.25 + 0.25) / 4, exact in float32
  assert.deepEqual(emitted[0], {
    layer: "dense_1",
    epoch: 5,
    seed: 2,
    metric: "mean_abs",
    value: 0.5,
  });
  assert.deepEqual({ ...emitted[1], value: 0 }, {
    layer: "output",
    epoch: 5,
    seed: 2,
    metric: "mean_abs",
    value: 0,
  });
  // (0.2 + 0.8 + 0.6 + 0.4) / 4 with float32 inputs
  assert.ok(Math.abs(emitted[1].value - 0.5) < 1e-7);
});

Deno.test("nearest suggests close names only", () => {
  assert.equal(nearest("batchSize", ["epochs", "batch_size", "lr"]), "batch_size");
  assert.equal(nearest("trainig", ["training", "data"]), "training");
  assert.equal(nearest("completely-different", ["lr", "data"]), undefined);
});
