/**
 * The Shapley games of [Ren] (docs/methods.md section 9) on one seed's feature
 * components, shared by `shapley-effectiveness` and `shapley-overfitting`.
 *
 * Players: c^(1..L), plus the residual f - Phi^(L) as player L+1 when
 * `residual` is set. L_split(S) is the mean cross-entropy of g fed the
 * coalition S (coalitions.ts). Games:
 *
 * - v_train(S) = L_train(empty) - L_train(S);
 * - v_overfit(S) = L_test(S) - L_train(S).
 *
 * Exact enumeration of all 2^P coalitions when P <= 12 (`method: auto`) or
 * when asked (`exact`, P <= 20); otherwise `permutations` seeded random
 * orderings, with standard errors. Coalition losses are cached in
 * `ctx.artifacts` under `shapley:<seed>:<split>:<baseline>:<residual>` so
 * the two plugins evaluate each coalition once per run.
 *
 * @module
 */
import { artifactKey, type Artifacts } from "../../core/artifacts.ts";
import { LensError } from "../../core/errors.ts";
import { createRng } from "../../core/rng.ts";
import { defineOptions, type OptionValues } from "../../core/plugin_def.ts";
import type { ModelHandle } from "../../core/types.ts";
import type { DisentangleArtifact } from "./artifact.ts";
import { type Baseline, buildPlayers, evaluateCoalitions, playerMeans } from "./coalitions.ts";
import { residualOf } from "./components.ts";
import {
  permutationCoalitions,
  samplePermutations,
  shapleyExact,
  shapleyFromPermutations,
} from "./shapley.ts";
import { meanVariance } from "./variance.ts";

/** Options of the Shapley plugins. */
export const SHAPLEY_OPTIONS = defineOptions({
  baseline: {
    type: "enum",
    choices: ["zero", "mean"],
    default: "zero",
    description: "absent components: not added (zero) or replaced by their training mean (mean)",
  },
  residual: {
    type: "boolean",
    default: false,
    description: "count the residual f - Phi^(L) as one more player",
  },
  method: {
    type: "enum",
    choices: ["auto", "exact", "sampled"],
    default: "auto",
    description: "exact enumeration (auto: up to 12 players) or permutation sampling",
  },
  permutations: {
    type: "integer",
    default: 200,
    min: 2,
    description: "random orderings when sampling",
  },
  seed: { type: "integer", default: 0, description: "seed of the orderings (with the run seed)" },
  device: {
    type: "enum",
    choices: ["wasm", "webgpu"],
    default: "wasm",
    description: "where coalitions are evaluated: tfjs on the run's backend (wasm), or our WGSL " +
      "kernel through WebGPU (dense layers above the feature only)",
  },
});

/** Typed Shapley options. */
export interface ShapleyOptions {
  baseline: Baseline;
  residual: boolean;
  method: "auto" | "exact" | "sampled";
  permutations: number;
  seed: number;
  /** Where coalitions are evaluated. */
  device?: "wasm" | "webgpu";
}

/** Reads {@link ShapleyOptions} from validated plugin options. */
export function shapleyOptions(o: OptionValues<typeof SHAPLEY_OPTIONS>): ShapleyOptions {
  const { baseline, residual, method, permutations, seed, device } = o;
  return { baseline, residual, method, permutations, seed, device };
}

/** Shapley values of one game, per player. */
export interface GameResult {
  phi: Float64Array;
  /** 0 for exact values. */
  se: Float64Array;
  exact: boolean;
}

/** What the plugins get back. */
export interface ShapleyAnalysis {
  players: number;
  /** Shapley values of v_train. */
  train: GameResult;
  /** Shapley values of v_overfit (only when asked). */
  overfit?: GameResult;
  /** Var of each player on the training samples (for alpha_eff). */
  variance: number[];
  /** v_train(N) - v_train(empty) = L_train(empty) - L_train(N). */
  trainTotal: number;
}

/**
 * Plays the games on one seed's components. `cache` (usually
 * ctx.artifacts) shares coalition losses between the plugins.
 */
export async function playShapley(
  model: ModelHandle,
  art: DisentangleArtifact,
  opts: ShapleyOptions,
  wantOverfit: boolean,
  cache: Artifacts,
): Promise<ShapleyAnalysis> {
  const P = art.orders + (opts.residual ? 1 : 0);
  const exact = opts.method === "exact" || (opts.method === "auto" && P <= 12);
  if (exact && P > 20) {
    throw new LensError(`exact Shapley values for ${P} players need 2^${P} forward passes`, {
      code: "plugin",
      field: "method",
      expected: "sampled (or auto) beyond 20 players",
    });
  }
  if (wantOverfit && art.test.n === 0) {
    throw new LensError("the data set has no test samples", {
      code: "plugin",
      field: "shapley-overfitting",
      expected: "a data set with a test split",
    });
  }
  const perms = exact ? [] : samplePermutations(
    P,
    opts.permutations,
    createRng(opts.seed * 1_000_003 + art.seed, "shapley"),
  );
  const masks = exact ? Array.from({ length: 1 << P }, (_, m) => m) : permutationCoalitions(perms);
  const means = playerMeans(art.train, opts.residual);

  const losses = async (split: "train" | "test"): Promise<Map<number, number>> => {
    const key = artifactKey<Map<number, number>>(
      `shapley:${art.seed}:${split}:${opts.baseline}:${opts.residual}` +
        (opts.device === "webgpu" ? ":webgpu" : ""),
    );
    let table = cache.get(key);
    if (!table) {
      table = new Map();
      cache.set(key, table);
    }
    const missing = masks.filter((m) => !table!.has(m));
    if (missing.length) {
      const set = buildPlayers(art[split], opts.baseline, opts.residual, means);
      const { loss } = opts.device === "webgpu"
        // loaded only when asked for: the WebGPU device code
        ? await (await import("./shapley_webgpu.ts")).evaluateCoalitionsOn(
          "webgpu",
          model,
          art.layer,
          set,
          missing,
        )
        : await evaluateCoalitions(model, art.layer, set, missing);
      missing.forEach((m, i) => table!.set(m, loss[i]));
    }
    return table;
  };

  const solve = (v: (m: number) => number): GameResult => {
    if (exact) {
      const table = Float64Array.from(masks, v);
      return { phi: shapleyExact(table, P), se: new Float64Array(P), exact };
    }
    const s = shapleyFromPermutations(perms, v, P);
    return { phi: s.phi, se: s.se, exact };
  };

  const train = await losses("train");
  const empty = train.get(0)!;
  const trainGame = solve((m) => empty - train.get(m)!);
  let overfit: GameResult | undefined;
  if (wantOverfit) {
    const test = await losses("test");
    overfit = solve((m) => test.get(m)! - train.get(m)!);
  }
  const dim = art.dim;
  const arrays = opts.residual
    ? [...art.train.components, residualOf(art.train.f, art.train.components)]
    : art.train.components;
  return {
    players: P,
    train: trainGame,
    overfit,
    variance: arrays.map((a) => meanVariance(a, art.train.n, dim)),
    trainTotal: empty - train.get((1 << P) - 1 >>> 0)!,
  };
}
