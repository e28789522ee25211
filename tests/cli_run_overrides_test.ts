/**
 * `lens run --subset` and `--set PLUGIN.OPTION=VALUE` (cli/run.ts,
 * cli/plugin_overrides.ts): parsing, which plugins an override reaches,
 * usage errors, and a short MNIST run whose stored config and records
 * carry the overrides.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { createRegistry } from "../core/registry.ts";
import { openStore } from "../core/store.ts";
import type { PluginUse } from "../core/types.ts";
import { applyOverrides, parseOverride } from "../cli/plugin_overrides.ts";
import { builtinPlugins } from "../plugins/builtin.ts";
import { lens } from "./cli_helpers.ts";

Deno.test("parseOverride reads the value as YAML; applyOverrides reaches the named or every plugin", () => {
  assert.deepEqual(parseOverride("disentangle.epochs=100"), {
    plugin: "disentangle",
    option: "epochs",
    value: 100,
  });
  assert.deepEqual(parseOverride("*.residual=true").value, true);
  assert.deepEqual(parseOverride("boost.components=[1, 2]").value, [1, 2]);
  assert.equal(parseOverride("shapley-effectiveness.baseline=mean").value, "mean");
  assert.throws(() => parseOverride("epochs=100"), /is not PLUGIN\.OPTION=VALUE/);

  const registry = createRegistry(builtinPlugins());
  const plugins: PluginUse[] = [
    { id: "disentangle", options: { orders: 6, epochs: 30 } },
    { id: "reliability", options: { epochs: 30 } },
    { id: "boost", options: {} },
  ];
  applyOverrides(
    plugins,
    [parseOverride("*.epochs=100"), parseOverride("disentangle.orders=3")],
    registry,
  );
  assert.deepEqual(plugins[0].options, { orders: 3, epochs: 100 });
  assert.deepEqual(plugins[1].options, { epochs: 100 });
  assert.deepEqual(plugins[2].options, {}, "boost has no epochs option");
  assert.throws(
    () => applyOverrides(plugins, [parseOverride("kd-compression.epochs=1")], registry),
    /the config has no plugin "kd-compression" \(it has disentangle, reliability, boost\)/,
  );
  assert.throws(
    () => applyOverrides(plugins, [parseOverride("*.nothing=1")], registry),
    /no plugin of the config has the option "nothing"/,
  );
});

Deno.test("lens run --subset / --set: usage errors, then a short MNIST run that carries them", async () => {
  const dir = await Deno.makeTempDir({ prefix: "layerlens-overrides-" });
  try {
    await Deno.writeTextFile(
      join(dir, "c.yaml"),
      "name: tiny\n" +
        "data: { name: mnist, subset: 100, test_subset: 40, probe_size: 0 }\n" +
        "model: { type: mlp, hidden: [8, 6], activation: relu, init: tfjs }\n" +
        "training: { epochs: 1, batch_size: 10, lr: 0.001, optimizer: adam, shuffle: true }\n" +
        "schedule: { type: every, every: 1 }\n" +
        "plugins: [{ id: disentangle, options: { orders: 2, width: 4, epochs: 5 } }]\n",
    );
    await Deno.writeTextFile(join(dir, "t.yaml"), "name: t\n");
    const bad = await Promise.all([
      lens(["run", "t.yaml", "--subset", "10"], dir),
      lens(["run", "c.yaml", "--set", "boost.components=[1]"], dir),
      lens(["run", "c.yaml", "--set", "disentangle.epochs=zero"], dir),
      lens(["run", "c.yaml", "--subset=-3"], dir),
    ]);
    assert.match(bad[0].stderr, /--subset applies to mnist data; t\.yaml uses tishby12/);
    assert.match(bad[1].stderr, /the config has no plugin "boost"/);
    assert.match(bad[2].stderr, /epochs/);
    assert.match(bad[3].stderr, /--subset must be an integer from 0 to 60000/);
    for (const r of bad) assert.equal(r.code, 2, r.stderr);

    const db = join(dir, "runs.db");
    const r = await lens(
      ["run", "c.yaml", "--subset", "20", "--set", "*.orders=1", "--db", db, "--quiet"],
      dir,
    );
    assert.equal(r.code, 0, r.stderr);
    const store = openStore(db);
    try {
      const [run] = store.listRuns();
      const config = run.config as { data: { subset: number }; plugins: PluginUse[] };
      assert.equal(config.data.subset, 20);
      assert.equal(config.plugins[0].options.orders, 1);
      assert.equal(config.plugins[0].options.epochs, 5);
      const rho = store.queryResults(run.id, { plugin: "disentangle", metric: "rho" });
      assert.deepEqual(rho.map((x) => x.index), [1], "one order after --set *.orders=1");
      assert.equal(run.progress.length, 1, "one seed trained");
    } finally {
      store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
