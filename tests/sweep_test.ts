/**
 * Sweep files: variants merged over an inline or file base and validated
 * like configs (errors name the sweep file, the variant and the field, with
 * the line); the shipped sweep examples load and their plugins resolve.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { LensError } from "../core/errors.ts";
import { createRegistry } from "../core/registry.ts";
import { loadSweep, mergeOverrides, parseSweep } from "../core/sweep.ts";
import { builtinPlugins } from "../plugins/builtin.ts";

function sweepError(text: string, file = "s.yaml", readFile?: (p: string) => string): LensError {
  try {
    parseSweep(text, file, readFile);
  } catch (e) {
    assert.ok(e instanceof LensError, `expected a LensError for ${text}, got ${e}`);
    assert.equal(e.code, "config");
    return e;
  }
  assert.fail(`expected an error for: ${text}`);
}

Deno.test("mergeOverrides: mappings merge key by key, lists and scalars replace, null removes", () => {
  const base = { model: { hidden: [10, 7], activation: "tanh" }, seeds: 3, plugins: ["a", "b"] };
  assert.deepEqual(
    mergeOverrides(base, { model: { hidden: [4] }, plugins: ["c"], seeds: null }),
    { model: { hidden: [4], activation: "tanh" }, plugins: ["c"] },
  );
  assert.deepEqual(
    mergeOverrides(base, { model: { type: "cnn", hidden: null, dense: [8] } }),
    { model: { activation: "tanh", type: "cnn", dense: [8] }, seeds: 3, plugins: ["a", "b"] },
  );
  // the base is not changed
  assert.deepEqual(base.model.hidden, [10, 7]);
});

Deno.test("a sweep with an inline base: each variant is the base plus its overrides", () => {
  const s = parseSweep(
    [
      "name: act",
      "base:",
      "  model: { activation: relu, hidden: [10, 7, 5] }",
      "  training: { epochs: 300 }",
      "  seeds: 2",
      "loss_threshold: 0.05",
      "variants:",
      "  - { name: one, model: { hidden: [10] } }",
      "  - { name: fraction, data: { train_fraction: 0.3 }, seeds: [4, 5] }",
      "  - name: plain",
    ].join("\n"),
    "act.yaml",
  );
  assert.equal(s.name, "act");
  assert.equal(s.lossThreshold, 0.05);
  assert.equal(s.planeTolerance, 0.1);
  // mi_plugin is gone: each estimator brings its own columns; an old file says so
  const old = sweepError("base: {}\nmi_plugin: mi-kde\nvariants: [{ name: a }]");
  assert.equal(old.field, "mi_plugin");
  assert.match(old.message, /no longer read/);
  assert.deepEqual(s.variants.map((v) => v.name), ["one", "fraction", "plain"]);
  const [one, fraction, plain] = s.variants.map((v) => v.config);
  assert.deepEqual(one.model, {
    type: "mlp",
    hidden: [10],
    activation: "relu",
    init: "reference",
  });
  assert.equal(one.training.epochs, 300);
  assert.deepEqual(one.seeds, [0, 1]);
  assert.equal(one.name, "act/one");
  assert.deepEqual(fraction.data, { name: "tishby12", split: "reference", trainFraction: 0.3 });
  assert.deepEqual(fraction.seeds, [4, 5]);
  assert.deepEqual(fraction.model.type === "mlp" && fraction.model.hidden, [10, 7, 5]);
  assert.deepEqual(plain.model, s.base.model);
  assert.equal(s.base.training.epochs, 300);
});

Deno.test("a base file is read relative to the sweep file", () => {
  const read: string[] = [];
  const s = parseSweep(
    "base: ../configs/b.yaml\nvariants:\n  - { name: v, training: { lr: 0.01 } }\n",
    "/x/sweeps/s.yaml",
    (p) => {
      read.push(p);
      return "training: { epochs: 50 }\nmodel: { hidden: [3] }\n";
    },
  );
  assert.deepEqual(read, ["/x/configs/b.yaml"]);
  assert.equal(s.name, "s");
  assert.equal(s.baseFile, "/x/configs/b.yaml");
  const c = s.variants[0].config;
  assert.equal(c.training.epochs, 50);
  assert.equal(c.training.lr, 0.01);
  assert.deepEqual(c.model.type === "mlp" && c.model.hidden, [3]);
  // an error in the base file names the base file
  const e = sweepError(
    "base: b.yaml\nvariants: [{ name: v }]\n",
    "/x/s.yaml",
    () => "training:\n  epochs: 0\n",
  );
  assert.equal(e.file, "/x/b.yaml");
  assert.equal(e.field, "training.epochs");
  const missing = sweepError("base: nope.yaml\nvariants: [{ name: v }]\n", "/x/s.yaml", () => {
    throw new Deno.errors.NotFound("nope");
  });
  assert.equal(missing.field, "base");
  assert.match(missing.message, /\/x\/nope\.yaml: file not found/);
});

Deno.test("a bad variant field names the file, the variant, the field and its line", () => {
  const text = [
    "base: { training: { epochs: 100 } }", // 1
    "variants:", // 2
    "  - name: fine", // 3
    "  - name: bad-one", // 4
    "    model:", // 5
    "      hidden: [10, 0]", // 6
  ].join("\n");
  const e = sweepError(text);
  assert.equal(e.file, "s.yaml");
  assert.equal(e.field, "variants[1].model.hidden[1]");
  assert.match(
    e.message,
    /^s\.yaml: variants\[1\]\.model\.hidden\[1\]: must be an integer from 1 to 10000/,
  );
  assert.match(e.message, /variant "bad-one", line 6/);

  const typo = sweepError("base: {}\nvariants:\n  - { name: x, modl: { hidden: [3] } }\n");
  assert.equal(typo.field, "variants[0].modl");
  assert.match(typo.message, /unknown key in variant "x" \(did you mean "model"\?\)/);

  const nested = sweepError("base: {}\nvariants:\n  - { name: x, training: { epoch: 5 } }\n");
  assert.equal(nested.field, "variants[0].training.epoch");
  assert.match(nested.message, /did you mean "epochs"/);
  assert.match(nested.message, /variant "x", line 3/);

  // the override is fine alone but not with the base's data.name
  const clash = sweepError(
    "base: { data: { name: mnist } }\nvariants:\n  - { name: y, data: { train_fraction: 0.3 } }\n",
  );
  assert.equal(clash.field, "variants[0].data.train_fraction");
  assert.match(clash.message, /unknown key for data\.name mnist/);

  // a base field the variant does not touch is named as the base's
  const fromBase = sweepError(
    "base: { model: { type: cnn }, engine: auto }\nvariants:\n  - { name: z, engine: fused }\n",
  );
  assert.equal(fromBase.field, "variants[0].engine");
  assert.match(fromBase.message, /engine fused trains MLPs only/);
});

Deno.test("sweep-level errors: base, variants, names, thresholds, unknown keys", () => {
  const cases: [string, string, RegExp][] = [
    ["variants: [{ name: a }]\n", "base", /must be a config file path or an inline config/],
    ["base: {}\n", "variants", /at least one/],
    ["base: {}\nvariants: []\n", "variants", /at least one/],
    ["base: {}\nvariants: [{ model: {} }]\n", "variants[0].name", /must be a name/],
    ["base: {}\nvariants: [{ name: 'a b' }]\n", "variants[0].name", /must be a name/],
    [
      "base: {}\nvariants: [{ name: a }, { name: a }]\n",
      "variants[1].name",
      /variant "a" is listed twice/,
    ],
    ["base: {}\nloss_threshold: -1\nvariants: [{ name: a }]\n", "loss_threshold", /> 0/],
    ["base: {}\nplane_tolerance: x\nvariants: [{ name: a }]\n", "plane_tolerance", /> 0/],
    ["base: {}\nvariant: []\n", "variant", /did you mean "variants"/],
    [
      "base: { training: { epochs: -3 } }\nvariants: [{ name: a }]\n",
      "base.training.epochs",
      /must be an integer from 1 to 1000000, got -3 \(line 1\)/,
    ],
  ];
  for (const [text, field, pattern] of cases) {
    const e = sweepError(text);
    assert.equal(e.field, field, text);
    assert.match(e.message, pattern, text);
    assert.ok(e.message.startsWith("s.yaml: "), e.message);
  }
  assert.match(sweepError("base: [\n").message, /invalid YAML/);
});

Deno.test("the shipped sweep examples load and their plugins resolve", async () => {
  const registry = createRegistry(builtinPlugins());
  const want: Record<string, string[]> = {
    sweep_depth: ["depth-1", "depth-2", "depth-3", "depth-4", "depth-5", "depth-6"],
    sweep_train_size: ["train-5pct", "train-30pct", "train-80pct"],
    sweep_activation: ["tanh", "tanh-adaptive", "relu-layer", "relu-adaptive"],
  };
  for (const [name, variants] of Object.entries(want)) {
    const path = fileURLToPath(new URL(`../examples/${name}.yaml`, import.meta.url));
    const s = await loadSweep(path);
    assert.deepEqual(s.variants.map((v) => v.name), variants);
    for (const v of s.variants) {
      registry.resolve(v.config.plugins, { file: path });
      assert.equal(v.config.training.epochs, 8000, `${name}/${v.name}: paper scale`);
      assert.ok(v.config.seeds.length >= 3, `${name}/${v.name}: several seeds`);
    }
    if (name === "sweep_depth") {
      assert.deepEqual(
        s.variants.map((v) => v.config.model.type === "mlp" ? v.config.model.hidden.length : 0),
        [1, 2, 3, 4, 5, 6],
      );
    }
    if (name === "sweep_train_size") {
      assert.deepEqual(
        s.variants.map((v) => v.config.data.name === "tishby12" && v.config.data.trainFraction),
        [0.05, 0.3, 0.8],
      );
    }
    if (name === "sweep_activation") {
      assert.deepEqual(
        s.variants.map((v) => [
          v.config.model.activation,
          v.config.plugins.find((p) => p.id === "mi-binned")?.options.range ?? "fixed",
          v.config.plugins.some((p) => p.id === "mi-kde"),
        ]),
        [
          ["tanh", "fixed", true],
          ["tanh", "adaptive", true],
          ["relu", "layer", true],
          ["relu", "adaptive", true],
        ],
      );
    }
  }
});

Deno.test("the MNIST complexity sweep: MLP and CNN variants (null drops the MLP widths), kd", async () => {
  const registry = createRegistry(builtinPlugins());
  const path = fileURLToPath(new URL("../examples/sweep_complexity_mnist.yaml", import.meta.url));
  const s = await loadSweep(path);
  assert.deepEqual(s.variants.map((v) => v.name), [
    "mlp-200",
    "mlp-1000",
    "mlp-5000",
    "cnn-200",
    "cnn-1000",
    "cnn-5000",
    "kd",
  ]);
  for (const v of s.variants) {
    registry.resolve(v.config.plugins, { file: path });
    const subset = v.config.data.name === "mnist" ? v.config.data.subset : -1;
    const want = v.name === "kd" ? 1000 : Number(v.name.split("-")[1]);
    assert.equal(subset, want, v.name);
    assert.equal(v.config.model.type, v.name.startsWith("cnn") ? "cnn" : "mlp", v.name);
  }
  const ids = (name: string) =>
    s.variants.find((v) => v.name === name)!.config.plugins.map((p) => p.id);
  assert.deepEqual(ids("kd"), ["kd-compression"]);
  assert.deepEqual(ids("cnn-200"), [
    "disentangle",
    "reliability",
    "shapley-effectiveness",
    "shapley-overfitting",
    "boost",
  ]);
});
