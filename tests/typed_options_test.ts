/**
 * Options declared once: definePlugin hands `setup` validated options with
 * defaults filled and typed from the declarations (a direct call included);
 * YAML keys are snake_case (camelCase declarations accept both spellings,
 * not both at once), configs are written back in snake_case and read back
 * equal, and a typo is answered with the snake_case name.
 */
import assert from "node:assert/strict";
import { configToYaml, parseConfig } from "../core/config.ts";
import { LensError } from "../core/errors.ts";
import { definePlugin } from "../core/plugin_def.ts";
import { createRegistry, optionKey, validateOptions } from "../core/registry.ts";
import type { PluginContext } from "../core/types.ts";
import { builtinPlugins } from "../plugins/builtin.ts";

const seen: unknown[] = [];
const probe = definePlugin({
  id: "probe",
  description: "records the options it receives",
  options: {
    batchSize: { type: "integer", default: 32, min: 1, description: "rows per batch" },
    mode: { type: "enum", choices: ["fast", "exact"], default: "exact", description: "how" },
    layers: { type: "string[]", default: [], description: "which" },
  },
  consumes: ["run_end"],
  emits: [{ name: "x", description: "nothing" }],
  setup(_ctx, o) {
    // compile-time checks: each field has the type its spec declares
    const size: number = o.batchSize;
    const mode: "fast" | "exact" = o.mode;
    const layers: string[] = o.layers;
    seen.push({ size, mode, layers });
    return {};
  },
});

const ctx = {} as PluginContext;

Deno.test("definePlugin: setup gets validated, defaulted, typed options, also when called directly", async () => {
  seen.length = 0;
  await probe.setup(ctx, {});
  await probe.setup(ctx, { batch_size: 8, mode: "fast" });
  await probe.setup(ctx, { batchSize: 9, layers: ["dense_1"] });
  assert.deepEqual(seen, [
    { size: 32, mode: "exact", layers: [] },
    { size: 8, mode: "fast", layers: [] },
    { size: 9, mode: "exact", layers: ["dense_1"] },
  ]);
  await assert.rejects(async () => await probe.setup(ctx, { batch_size: 0 }), (e: unknown) => {
    assert.ok(e instanceof LensError);
    assert.equal(e.field, "plugins.probe.options.batch_size");
    assert.match(e.message, /must be an integer >= 1, got 0/);
    return true;
  });
  await assert.rejects(
    async () => await probe.setup(ctx, { batch_size: 4, batchSize: 4 }),
    /given twice/,
  );
  assert.throws(() => validateOptions(probe, { batchsize: 4 }), /did you mean "batch_size"/);
});

Deno.test("YAML options are snake_case: written so, read back to the same config", () => {
  assert.equal(optionKey("lrStart"), "lr_start");
  assert.equal(optionKey("bin_size"), "bin_size");
  const c = parseConfig(
    "plugins:\n  - { id: disentangle, options: { batch_size: 64, lr_start: 0.002 } }\n",
    "run.yaml",
  );
  const yaml = configToYaml(c);
  assert.match(yaml, /batch_size: 64/);
  assert.match(yaml, /lr_start: 0.002/);
  assert.doesNotMatch(yaml, /batchSize|lrStart/);
  assert.deepEqual(parseConfig(yaml, "again.yaml"), c);
  // the registry resolves them to the declared names the plugin reads
  const reg = createRegistry(builtinPlugins());
  const [r] = reg.resolve(c.plugins).filter((x) => x.plugin.id === "disentangle");
  assert.equal(r.options.batchSize, 64);
  assert.equal(r.options.lrStart, 0.002);
});
