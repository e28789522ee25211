/**
 * An example custom plugin: the mean absolute activation of every layer at
 * every sampled epoch. A saturating tanh layer drifts towards 1, a dying
 * ReLU layer towards 0. Use it without changing layerlens:
 *
 * ```sh
 * deno task lens run examples/tishby12_tanh.yaml --plugin ./examples/my_metric.ts
 * ```
 *
 * with `- id: mean-abs-activation` added to the config's `plugins` list (or
 * `lens analyze ... --plugins mean-abs-activation --plugin ./examples/my_metric.ts`).
 * The dashboard draws it from the `charts` entry below; `lens export` lists
 * its records like any other.
 *
 * @module
 */
// Inside this repository the types come from core/types.ts; elsewhere import them
// from layerlens' mod.ts.
import type { ActivationsEvent, Plugin, PluginContext } from "../core/types.ts";

/** Mean of |a| over all samples and units of one layer. */
export function meanAbs(data: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += Math.abs(data[i]);
  return data.length ? sum / data.length : NaN;
}

/** The `mean-abs-activation` plugin. */
const meanAbsActivation: Plugin = {
  // A unique kebab-case id: the name configs use.
  id: "mean-abs-activation",
  description: "Mean absolute activation per layer at sampled epochs",
  // Options arrive validated, with defaults filled (the registry checks them
  // against these specs before a run starts).
  options: {
    layers: {
      type: "string[]",
      default: [],
      description: "Hook points to measure (e.g. [dense_1, output]); empty = all",
    },
  },
  // The hook events the plugin wants: here only the captured activations.
  consumes: ["activations"],
  emits: [{ name: "mean_abs", description: "mean over samples and units of |activation|" }],
  // How the dashboard plots the records: one line per layer against epoch.
  charts: [{
    id: "mean-abs",
    title: "Mean absolute activation",
    type: "line",
    x: { field: "epoch", label: "epoch", log: true },
    y: { metrics: ["mean_abs"], label: "mean |a|" },
    groupBy: "layer",
  }],
  // setup runs once per run; the handlers it returns get the events. Keep
  // per-seed state keyed by e.seed: several seeds may train interleaved.
  setup(ctx: PluginContext, options: Record<string, unknown>) {
    const wanted = options.layers as string[];
    return {
      activations(e: ActivationsEvent) {
        for (const [layer, a] of e.cache) {
          if (wanted.length && !wanted.includes(layer)) continue;
          ctx.emit([{
            layer,
            epoch: e.epoch,
            seed: e.seed,
            metric: "mean_abs",
            value: meanAbs(a.data),
          }]);
        }
      },
    };
  },
};

export default meanAbsActivation;
