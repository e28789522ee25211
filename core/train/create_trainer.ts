/**
 * Picks the executor for a config and builds its {@link Trainer}.
 *
 * `fused`: the typed-array MLP kernel, every seed trained together (the
 * fast path: tfjs spends ~50-80 us per op in Deno, which dominates the
 * 12-bit task's tiny layers). `tfjs`: any model on the chosen tfjs backend.
 * `auto` takes `fused` for MLPs whose activation it implements.
 *
 * @module
 */
import { LensError } from "../errors.ts";
import { FUSED_ACTIVATION_NAMES } from "../model/activations.ts";
import type { EngineKind, RunConfig, Trainer, TrainerOptions } from "../types.ts";

/** The executor `config` runs on (`auto` resolved). */
export function chooseEngine(config: Pick<RunConfig, "engine" | "model">): "fused" | "tfjs" {
  const m = config.model;
  const fusable = m.type === "mlp" && FUSED_ACTIVATION_NAMES.includes(m.activation);
  if (config.engine === "fused" && !fusable) {
    throw new LensError(
      m.type === "mlp"
        ? `the fused kernel does not implement activation "${m.activation}"`
        : `the fused kernel trains MLPs only, not "${m.type}"`,
      {
        code: "config",
        field: "engine",
        expected: `engine: tfjs or auto, or an MLP with one of ${
          FUSED_ACTIVATION_NAMES.join(", ")
        }`,
      },
    );
  }
  if (config.engine === "auto") return fusable ? "fused" : "tfjs";
  return config.engine as Exclude<EngineKind, "auto">;
}

/** Builds the trainer of the given executor. */
export async function createTrainer(
  kind: "fused" | "tfjs",
  opts: TrainerOptions,
): Promise<Trainer> {
  if (kind === "fused") {
    const { createFusedMlpTrainer } = await import("./fused/fused_mlp.ts");
    return await createFusedMlpTrainer(opts);
  }
  const { createTfjsTrainer } = await import("./tfjs_trainer.ts");
  return await createTfjsTrainer(opts);
}
