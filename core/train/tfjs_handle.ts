/**
 * The model side of the tfjs trainer (tfjs_trainer.ts): every hook point's
 * activations of one network, and the {@link ModelHandle} the plugins get
 * for it (capture, the layers above a hook point, the parameters), in
 * chunks that bound what is held at once.
 *
 * @module
 */
import * as tf from "../../deps/tensorflow_tfjs_core.ts";
import { LensError } from "../errors.ts";
import { hookIndex } from "../model/architecture.ts";
import type { TfModel } from "../model/tf_model.ts";
import type { Activation, ActivationCache, ModelHandle } from "../types.ts";
import { checkRows, chunkRows } from "./tfjs_data.ts";

/** Activations of every hook point of `model` on `n` rows of `x`. */
export async function captureActivations(
  model: TfModel,
  x: Float32Array,
  n: number,
): Promise<ActivationCache> {
  const { layers } = model;
  const cols = model.plan.inputUnits;
  const out = new Map<string, Activation>(
    layers.map((l) => [l.name, { data: new Float32Array(n * l.units), rows: n, cols: l.units }]),
  );
  const step = chunkRows(layers.reduce((a, l) => a + l.units, 0));
  for (let start = 0; start < n; start += step) {
    const rows = Math.min(step, n - start);
    const flat = tf.tidy(() => {
      const hooks = model.forward(
        tf.tensor2d(x.subarray(start * cols, (start + rows) * cols), [rows, cols]),
      );
      return tf.concat(layers.map((l) => tf.reshape(hooks.get(l.name)!, [-1])));
    });
    const data = (await flat.data()) as Float32Array;
    flat.dispose();
    let off = 0;
    for (const l of layers) {
      const len = rows * l.units;
      out.get(l.name)!.data.set(data.subarray(off, off + len), start * l.units);
      off += len;
    }
  }
  return out;
}

/** The largest hook point of `model` (units): what one row of an evaluation holds at most. */
export function widestHook(model: TfModel): number {
  return Math.max(...model.layers.map((l) => l.units));
}

/**
 * The handle of seed `seed`'s network `model` with `classes` outputs;
 * every call first runs `alive` (which throws once the trainer is disposed).
 */
export function tfjsModelHandle(
  model: TfModel,
  seed: number,
  classes: number,
  alive: () => void,
): ModelHandle {
  const { plan, layers } = model;
  return {
    seed,
    layers,
    capture(x: Float32Array, n: number) {
      alive();
      checkRows(x, n, plan.inputUnits, "capture");
      return captureActivations(model, x, n);
    },
    async forwardFrom(layer: string, features: Activation): Promise<Activation> {
      alive();
      const h = plan.hooks[hookIndex(plan, layer)];
      if (features.cols !== h.info.units || features.data.length < features.rows * features.cols) {
        throw new LensError(`features are ${features.rows} x ${features.cols}`, {
          code: "data",
          field: `forwardFrom(${layer})`,
          expected: `rows x ${h.info.units} (the units of ${layer}), row-major`,
        });
      }
      const rows = features.rows;
      if (h.info.kind === "output") {
        return { data: features.data.slice(0, rows * classes), rows, cols: classes };
      }
      const data = new Float32Array(rows * classes);
      const step = chunkRows(Math.max(widestHook(model), h.info.units));
      for (let start = 0; start < rows; start += step) {
        const r = Math.min(step, rows - start);
        const p = tf.tidy(() =>
          model.forwardFrom(
            layer,
            tf.tensor2d(features.data.subarray(start * h.info.units, (start + r) * h.info.units), [
              r,
              h.info.units,
            ]),
          )
        );
        data.set((await p.data()) as Float32Array, start * classes);
        p.dispose();
      }
      return { data, rows, cols: classes };
    },
    params() {
      alive();
      return model.readParams();
    },
  };
}
