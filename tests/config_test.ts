/**
 * YAML configs: the defaults are the reference protocol of the 12-bit task,
 * every snake_case key lands in its camelCase field, seeds may be a count,
 * every error is a config LensError naming the file, the dotted field and
 * what was expected (unknown keys with the nearest valid one), and
 * configToYaml reads back to the same config. The shipped examples parse.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { configToYaml, loadConfig, parseConfig } from "../core/config.ts";
import { LensError } from "../core/errors.ts";
import { createRegistry } from "../core/registry.ts";
import type { RunConfig } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";

const REFERENCE: RunConfig = {
  name: "run",
  data: { name: "tishby12", split: "reference", trainFraction: 0.8 },
  model: { type: "mlp", hidden: [10, 7, 5, 4, 3], activation: "tanh", init: "reference" },
  training: { epochs: 8000, batchSize: 512, lr: 0.0004, optimizer: "adam", shuffle: false },
  schedule: { type: "log", points: 400 },
  seeds: [0],
  backend: "wasm",
  engine: "auto",
  plugins: [{ id: "mi-binned", options: {} }],
};

function configError(text: string, file = "run.yaml"): LensError {
  try {
    parseConfig(text, file);
  } catch (e) {
    assert.ok(e instanceof LensError, `expected a LensError for ${text}, got ${e}`);
    return e;
  }
  assert.fail(`expected an error for: ${text}`);
}

Deno.test("{} is the reference protocol", () => {
  assert.deepEqual(parseConfig("{}", "run.yaml"), REFERENCE);
  assert.deepEqual(parseConfig("{} # nothing but a comment\n", "run.yaml"), REFERENCE);
  // the name comes from the file name, else "run"
  assert.equal(parseConfig("{}", "dir/tanh_ref.yml").name, "tanh_ref");
  assert.equal(parseConfig("{}", "request body").name, "run");
  // JSON is YAML too
  assert.deepEqual(parseConfig("{}", "run.json"), REFERENCE);
});

Deno.test("an empty file (or only comments) is an error, not the full default protocol", () => {
  for (const text of ["", "\n\n", "# nothing but a comment\n", "---\n"]) {
    const e = configError(text);
    assert.equal(e.code, "config");
    assert.equal(e.file, "run.yaml");
    assert.match(e.message, /^run\.yaml: empty config/);
  }
});

Deno.test("sizes are bounded like the flags: seeds, epochs, batch, widths, schedule", () => {
  const cases: [string, string, RegExp][] = [
    ["seeds: 1000000", "seeds", /from 1 to 10000/],
    ["seeds: 10001", "seeds", /from 1 to 10000/],
    [`seeds: [${Array.from({ length: 10001 }, (_, i) => i).join(", ")}]`, "seeds", /10000/],
    ["seeds: [0, 4294967296]", "seeds[1]", /from 0 to 2147483647/],
    ["training: { epochs: 2000000000 }", "training.epochs", /from 1 to 1000000/],
    ["training: { batch_size: 1e9 }", "training.batch_size", /from 1 to 1000000/],
    ["model: { hidden: [10, 100000] }", "model.hidden[1]", /from 1 to 10000/],
    ["model: { hidden: [10000, 10000, 10000] }", "model.hidden", /200000000 weights/],
    [`model: { hidden: [${Array(65).fill(2).join(", ")}] }`, "model.hidden", /65 values/],
    ["model: { type: cnn, conv: [{ filters: 8, kernel: 1000 }] }", "model.conv[0].kernel", /64/],
    ["schedule: { type: log, points: 2000000 }", "schedule.points", /1000000/],
    ["schedule: { type: list, epochs: [0, 1000000] }", "schedule.epochs[1]", /999999/],
    ["plugin_timeout_s: 0", "plugin_timeout_s", /in \(0, 604800\]/],
  ];
  for (const [text, field, message] of cases) {
    const e = configError(text);
    assert.equal(e.field, field, text.slice(0, 60));
    assert.match(e.message, message, text.slice(0, 60));
  }
  // the limits themselves are accepted
  const c = parseConfig(
    "seeds: 10000\ntraining: { epochs: 1000000, batch_size: 1000000 }\n" +
      "model: { hidden: [10000, 10000] }\nplugin_timeout_s: 604800",
    "run.yaml",
  );
  assert.equal(c.seeds.length, 10000);
  assert.equal(c.seeds[9999], 9999);
  assert.equal(c.training.epochs, 1000000);
  assert.equal(c.pluginTimeoutS, 604800);
  assert.equal(parseConfig("plugin_timeout_s: 1.5", "run.yaml").pluginTimeoutS, 1.5);
});

Deno.test("snake_case keys map to the camelCase spec", () => {
  const c = parseConfig(
    `
name: full
data: { name: tishby12, split: random, train_fraction: 0.3 }
model: { type: mlp, hidden: [8, 4], activation: relu, init: tfjs }
training: { epochs: 100, batch_size: 64, lr: 1e-3, optimizer: sgd, shuffle: true }
schedule: { type: every, every: 5 }
seeds: [3, 1, 4]
backend: cpu
engine: tfjs
plugins:
  - mi-kde
  - id: mi-binned
    options: { bins: 100, range: layer }
  - { id: grad-snr }
`,
    "full.yaml",
  );
  assert.deepEqual(c, {
    name: "full",
    data: { name: "tishby12", split: "random", trainFraction: 0.3 },
    model: { type: "mlp", hidden: [8, 4], activation: "relu", init: "tfjs" },
    training: { epochs: 100, batchSize: 64, lr: 0.001, optimizer: "sgd", shuffle: true },
    schedule: { type: "every", every: 5 },
    seeds: [3, 1, 4],
    backend: "cpu",
    engine: "tfjs",
    plugins: [
      { id: "mi-kde", options: {} },
      { id: "mi-binned", options: { bins: 100, range: "layer" } },
      { id: "grad-snr", options: {} },
    ],
  });
  const mnist = parseConfig(
    "data: { name: mnist, subset: 1000, test_subset: 500, probe_size: 200 }",
    "m.yaml",
  );
  assert.deepEqual(mnist.data, { name: "mnist", subset: 1000, testSubset: 500, probeSize: 200 });
  assert.deepEqual(parseConfig("data: { name: mnist }", "m.yaml").data, {
    name: "mnist",
    subset: 0,
    testSubset: 0,
    probeSize: 1000,
  });
  const file = parseConfig("data: { name: file, path: x.npy, labels: y.npy }", "f.yaml");
  assert.deepEqual(file.data, { name: "file", path: "x.npy", labels: "y.npy", trainFraction: 0.8 });
  const cnn = parseConfig(
    "model: { type: cnn, conv: [{ filters: 4, kernel: 3 }], dense: [16] }\nengine: tfjs",
    "c.yaml",
  );
  assert.deepEqual(cnn.model, {
    type: "cnn",
    conv: [{ filters: 4, kernel: 3 }],
    dense: [16],
    activation: "relu",
    init: "tfjs",
  });
  assert.deepEqual(parseConfig("schedule: { type: list, epochs: [0, 5, 9] }", "s.yaml").schedule, {
    type: "list",
    epochs: [0, 5, 9],
  });
});

Deno.test("seeds: a count n means 0..n-1; a list is kept", () => {
  assert.deepEqual(parseConfig("seeds: 4", "s.yaml").seeds, [0, 1, 2, 3]);
  assert.deepEqual(parseConfig("seeds: 1", "s.yaml").seeds, [0]);
  assert.deepEqual(parseConfig("seeds: [7]", "s.yaml").seeds, [7]);
});

Deno.test("every error names the file, the dotted field and what was expected", () => {
  const cases: [string, string, RegExp][] = [
    [
      "training: { epochs: ten }",
      "training.epochs",
      /must be an integer from 1 to 1000000, got "ten"/,
    ],
    ["training: { epochs: 0 }", "training.epochs", /must be an integer from 1 to 1000000, got 0/],
    ["training: { epochs: 2.5 }", "training.epochs", /an integer from 1 to 1000000, got 2\.5/],
    ["training: { batch_size: -1 }", "training.batch_size", /an integer from 1 to 1000000/],
    ["training: { lr: 0 }", "training.lr", /must be a number > 0, got 0/],
    ["training: { lr: fast }", "training.lr", /a number > 0, got "fast"/],
    ["training: { optimizer: rmsprop }", "training.optimizer", /one of adam, sgd, got "rmsprop"/],
    ["training: { shuffle: maybe }", "training.shuffle", /true or false, got "maybe"/],
    ["training: 5", "training", /must be a mapping with keys epochs, batch_size/],
    ["data: { train_fraction: 1.5 }", "data.train_fraction", /a number in \(0, 1\], got 1\.5/],
    ["data: { train_fraction: 0 }", "data.train_fraction", /a number in \(0, 1\]/],
    ["data: { name: imagenet }", "data.name", /tishby12, mnist, cifar10, file, got "imagenet"/],
    ["data: { split: first }", "data.split", /one of reference, random/],
    ["data: { name: mnist, subset: -5 }", "data.subset", /an integer from 0 to 60000, got -5/],
    ["data: { name: mnist, probe_size: 20000 }", "data.probe_size", /from 0 to 10000/],
    ["data: { name: file }", "data.path", /must be a non-empty string, got nothing/],
    ["model: { hidden: [10, 0] }", "model.hidden[1]", /an integer from 1 to 10000, got 0/],
    ["model: { hidden: 10 }", "model.hidden", /a list of integers >= 1/],
    ["model: { activation: tan }", "model.activation", /did you mean "tanh"/],
    ["model: { type: rnn }", "model.type", /one of mlp, cnn/],
    ["model: { init: xavier }", "model.init", /one of reference, tfjs/],
    [
      "model: { type: cnn, conv: [{ filters: 4 }] }",
      "model.conv[0].kernel",
      /an integer from 1 to 64/,
    ],
    ["model: { type: cnn, conv: [] }", "model.conv", /at least one/],
    ["schedule: { type: log, points: 0 }", "schedule.points", /an integer from 1 to 1000000/],
    ["schedule: { type: list }", "schedule.epochs", /a list of epochs/],
    [
      "schedule: { type: list, epochs: [1, -2] }",
      "schedule.epochs[1]",
      /an integer from 0 to 999999/,
    ],
    ["schedule: { type: every, every: 0 }", "schedule.every", /an integer from 1 to 1000000/],
    ["seeds: 0", "seeds", /a count n from 1 to 10000 \(seeds 0\.\.n-1\) or a list/],
    ["seeds: []", "seeds", /a count n from 1 to 10000/],
    ["seeds: [0, 1, 0]", "seeds[2]", /seed 0 is listed twice/],
    ["seeds: [0, -1]", "seeds[1]", /an integer from 0 to 2147483647/],
    ["backend: gpu", "backend", /one of wasm, cpu, webgpu, auto, got "gpu"/],
    ["engine: fast", "engine", /one of auto, fused, tfjs/],
    ["engine: fused\nmodel: { type: cnn }", "engine", /fused trains MLPs only/],
    ["plugins: mi-binned", "plugins", /a list of plugin ids or \{ id, options \}/],
    ["plugins: [{ options: {} }]", "plugins[0].id", /a non-empty string, got nothing/],
    ["plugins: [{ id: mi-kde, options: [1] }]", "plugins[0].options", /a mapping of option names/],
    [
      "plugins: [{ id: mi-kde, bins: 3 }]",
      "plugins[0].bins",
      /unknown key/,
    ],
    ["plugins: [3]", "plugins[0]", /a plugin id or \{ id, options \}/],
    ["name: ''", "name", /a non-empty string/],
  ];
  for (const [text, field, pattern] of cases) {
    const e = configError(text);
    assert.equal(e.code, "config", text);
    assert.equal(e.file, "run.yaml", text);
    assert.equal(e.field, field, text);
    assert.ok(e.message.startsWith(`run.yaml: ${field}: `), `${text}: ${e.message}`);
    assert.match(e.message, pattern, text);
    assert.ok(e.expected && e.expected.length > 0, `${text}: expected is set`);
  }
  // the brief's example, word for word (plus the line)
  assert.equal(
    configError("training:\n  epochs: ten\n").message,
    'run.yaml: training.epochs: must be an integer from 1 to 1000000, got "ten" (line 2)',
  );
});

Deno.test("unknown keys name the nearest valid key", () => {
  const cases: [string, string, string | undefined][] = [
    ["training: { batchSize: 64 }", "training.batchSize", "batch_size"],
    ["training: { epoch: 64 }", "training.epoch", "epochs"],
    ["trainig: {}", "trainig", "training"],
    ["seed: 3", "seed", "seeds"],
    ["data: { trainFraction: 0.5 }", "data.trainFraction", "train_fraction"],
    ["data: { name: mnist, probesize: 10 }", "data.probesize", "probe_size"],
    ["model: { hiden: [3] }", "model.hiden", "hidden"],
    ["zzzzzz: 1", "zzzzzz", undefined],
  ];
  for (const [text, field, hint] of cases) {
    const e = configError(text);
    assert.equal(e.field, field, text);
    assert.match(e.message, /unknown key/, text);
    if (hint) assert.ok(e.message.includes(`did you mean "${hint}"?`), e.message);
    else assert.ok(!e.message.includes("did you mean"), e.message);
    assert.match(e.expected!, /^one of /);
  }
  // a key of another data set is named as such
  const e = configError("data: { name: tishby12, subset: 100 }");
  assert.match(e.message, /unknown key for data\.name tishby12/);
  assert.equal(e.expected, "one of name, split, train_fraction");
});

Deno.test("YAML syntax errors give the file and line", () => {
  const e = configError("training:\n  epochs: [1, 2\nseeds: 3\n", "bad.yaml");
  assert.equal(e.code, "config");
  assert.equal(e.file, "bad.yaml");
  assert.match(e.message, /^bad\.yaml: invalid YAML at line \d+, column \d+: /);
  const dup = configError("seeds: 1\nseeds: 2\n");
  assert.match(dup.message, /invalid YAML at line 2/);
  const list = configError("- a\n- b\n");
  assert.match(list.message, /must be a mapping/);
});

Deno.test("configToYaml reads back to the same config", () => {
  const texts = [
    "{}",
    "plugin_timeout_s: 90",
    "data: { name: mnist, subset: 100, test_subset: 50, probe_size: 20 }\nengine: tfjs\n" +
    "model: { type: cnn, conv: [{ filters: 2, kernel: 3 }, { filters: 4, kernel: 3 }], dense: [] }",
    "data: { name: file, path: 'a b/x.npz', train_fraction: 0.5 }\nseeds: [5, 2]",
    "schedule: { type: list, epochs: [0, 1, 10] }\nplugins: [{ id: mi-binned, options: " +
    "{ layers: [dense_1, output], range: adaptive } }, mi-kde]",
  ];
  for (const text of texts) {
    const c = parseConfig(text, "a.yaml");
    const yaml = configToYaml(c);
    assert.deepEqual(parseConfig(yaml, "a.yaml"), c, yaml);
  }
  const yaml = configToYaml(REFERENCE);
  assert.match(yaml, /^ {2}hidden: \[ 10, 7, 5, 4, 3 \]$/m);
  assert.match(yaml, /^ {2}batch_size: 512$/m);
  assert.match(yaml, /^plugins:\n {2}- id: mi-binned$/m);
});

Deno.test("the example configs load and their plugins resolve", async () => {
  const registry = createRegistry(builtinPlugins());
  for (
    const name of ["tishby12_tanh", "tishby12_relu", "tishby12_main", "mnist_mlp", "mnist_cnn"]
  ) {
    const path = fileURLToPath(new URL(`../examples/${name}.yaml`, import.meta.url));
    const c = await loadConfig(path);
    registry.resolve(c.plugins, { file: path });
    if (name === "tishby12_tanh") {
      // the paper's protocol
      assert.deepEqual(c.model, REFERENCE.model);
      assert.deepEqual(c.training, REFERENCE.training);
      assert.deepEqual(c.schedule, REFERENCE.schedule);
      assert.deepEqual(c.data, REFERENCE.data);
      assert.deepEqual(c.plugins.map((p) => p.id), ["mi-binned", "mi-kde", "grad-snr"]);
    }
    if (name === "tishby12_main") {
      assert.deepEqual(c.model, REFERENCE.model);
      assert.deepEqual(c.training, REFERENCE.training);
      assert.deepEqual(c.plugins.map((p) => p.id), [
        "mi-binned",
        "grad-snr",
        "ib-bound",
        "ib-consistency",
        "phases",
      ]);
    }
    if (name.startsWith("mnist")) {
      assert.equal(c.engine, "tfjs");
      assert.equal(c.data.name, "mnist");
      if (c.data.name === "mnist") {
        assert.equal(c.data.subset, 1000);
        assert.equal(c.data.testSubset, 1000);
      }
    }
  }
  await assert.rejects(
    loadConfig("/nonexistent/run.yaml"),
    (e: unknown) =>
      e instanceof LensError && e.code === "config" && e.file === "/nonexistent/run.yaml" &&
      /not found/.test(e.message),
  );
});
