/**
 * `ib-bound`: the Information Bottleneck curve of the run's task (docs/methods.md
 * section 5), traced once per run by annealing ({@link ibCurve}; `method`
 * merge, the default: down in beta from the identity encoder; split: up
 * from one cluster, splitting at critical betas).
 *
 * The joint: p(x) uniform over the probe inputs and p(y|x) from the probe
 * labels (taken from the first `activations` event, or from `train_end`'s
 * data set; so it works in analyze mode too), softened by `soften` label
 * noise (see {@link jointFromLabels}); or a user table (`table`: `.npy` or
 * `.csv` holding p(x, y) as an X x Y matrix, rows in probe order).
 *
 * Emits, per point of the curve (index = point number in annealing order,
 * 0 = the largest beta), records with layer `ib`, epoch 0, seed 0:
 * `ib_ixt`, `ib_ity` (bits), `beta`, `iterations`. Hands the curve to
 * `ib-consistency` under the artifact {@link IB_CURVE_ARTIFACT}.
 *
 * @module
 */
import { definePlugin } from "../../core/plugin_def.ts";
import { IB_BOUND_PRESENTATION } from "./presentation.ts";
import { LensError } from "../../core/errors.ts";
import type { Plugin, PluginContext } from "../../core/types.ts";
import { referenceBetas } from "./beta_grid.ts";
import { ibCurve } from "./curve.ts";
import { IB_CURVE_ARTIFACT, type IbCurveArtifact } from "./curve_artifact.ts";
import { concaveEnvelope } from "./envelope.ts";
import { groupJoint, type IbJoint, jointFromLabels } from "./joint.ts";
import { readJointTable } from "./table.ts";

interface BoundOptions {
  soften: number;
  table: string;
  betaMin: number;
  betaMax: number;
  betaStep: number;
  tol: number;
  maxIter: number;
  mergeTol: number;
  method: "auto" | "split" | "merge";
}

function computeCurve(
  ctx: PluginContext,
  o: BoundOptions,
  joint: IbJoint,
  source: string,
): IbCurveArtifact {
  const t0 = performance.now();
  const betas = referenceBetas(o.betaMin, o.betaMax, o.betaStep);
  const curve = ibCurve(joint, {
    betas,
    tol: o.tol,
    maxIter: o.maxIter,
    mergeTol: o.mergeTol,
    method: o.method,
  });
  const seconds = (performance.now() - t0) / 1000;
  const pts = curve.points;
  ctx.emit(
    pts.flatMap((p, index) =>
      [
        ["ib_ixt", p.ixt],
        ["ib_ity", p.ity],
        ["beta", p.beta],
        ["iterations", p.iterations],
      ].map(([metric, value]) => ({
        layer: "ib",
        epoch: 0,
        seed: 0,
        index,
        metric: metric as string,
        value: value as number,
      }))
    ),
  );
  const capped = pts.filter((p) => !p.converged).length;
  const first = pts[0];
  const last = pts[pts.length - 1];
  ctx.log(
    `IB curve from ${source}: ${pts.length} betas in ${seconds.toFixed(2)} s, ` +
      `${curve.groups} distinct p(y|x) rows, I(X;Y) = ${curve.ixy.toFixed(4)} bits; ` +
      `beta ${first.beta.toFixed(1)}: (${first.ixt.toFixed(4)}, ${first.ity.toFixed(4)}), ` +
      `beta ${last.beta.toFixed(2)}: (${last.ixt.toFixed(4)}, ${last.ity.toFixed(4)})` +
      (capped ? `; ${capped} betas hit the iteration cap` : ""),
  );
  if (isDeterministic(joint)) {
    ctx.log(
      "p(y|x) is deterministic: the bound is I(T;Y) = min(I(X;T), H(Y)), whose points are " +
        "(0, 0) for beta < 1 and (H(Y), H(Y)) for beta > 1; set soften (e.g. 0.1) for a " +
        "smooth curve",
    );
  }
  const artifact: IbCurveArtifact = {
    joint,
    grouped: groupJoint(joint),
    curve,
    envelope: concaveEnvelope(pts.map((p) => p.ixt), pts.map((p) => p.ity)),
    source,
    soften: source === "labels" ? o.soften : 0,
  };
  ctx.artifacts.set(IB_CURVE_ARTIFACT, artifact);
  return artifact;
}

function isDeterministic(joint: IbJoint): boolean {
  for (let i = 0; i < joint.pyx.length; i++) {
    if (joint.pyx[i] !== 0 && joint.pyx[i] !== 1) return false;
  }
  return true;
}

/** The `ib-bound` plugin. */
export const ibBoundPlugin: Plugin = definePlugin({
  id: "ib-bound",
  description: "Information Bottleneck curve of the task (annealing of the IB equations)",
  options: {
    soften: {
      type: "number",
      default: 0,
      min: 0,
      max: 1,
      description: "label noise eps: p(y|x) = (1 - eps) onehot + eps / classes (0 = hard labels)",
    },
    table: {
      type: "string",
      default: "",
      description: "path of a .npy or .csv X x Y matrix of p(x, y) to use instead of the labels",
    },
    betaMin: { type: "number", default: 0.8, min: 0, description: "smallest beta of the grid" },
    betaMax: { type: "number", default: 300, min: 0, description: "largest beta (start)" },
    betaStep: { type: "number", default: 0.1, min: 0, description: "grid step in log2 beta" },
    tol: {
      type: "number",
      default: 1e-7,
      min: 0,
      description: "stop a beta when max |change of p(t|x)| per update is below this",
    },
    maxIter: { type: "integer", default: 3000, min: 1, description: "update cap per beta" },
    method: {
      type: "enum",
      choices: ["auto", "split", "merge"],
      default: "auto",
      description: "auto: split for binary soft labels with more than 64 distinct p(y|x) rows, " +
        "else merge; merge: anneal down from the identity encoder (slow for thousands of " +
        "distinct p(y|x) rows); split: up from one cluster, splitting at critical betas, " +
        "then back down, keeping the lower Lagrangian at each beta (with soft binary labels by " +
        "Newton steps: 4096 distinct rows in about 4 s)",
    },
    mergeTol: {
      type: "number",
      default: 1e-3,
      min: 0,
      description: "merge clusters whose log p(y|t) agree within mergeTol / beta",
    },
  },
  consumes: ["run_start", "activations", "train_end", "run_end"],
  emits: [
    { name: "ib_ixt", unit: "bits", description: "I(X;T) of the IB solution at this beta" },
    { name: "ib_ity", unit: "bits", description: "I(T;Y) of the IB solution at this beta" },
    { name: "beta", description: "trade-off parameter of the point" },
    { name: "iterations", description: "encoder updates run at this beta" },
  ],
  presentation: IB_BOUND_PRESENTATION,
  charts: [{
    id: "ib-curve",
    title: "Information Bottleneck bound",
    type: "scatter",
    x: { metric: "ib_ixt", label: "I(X;T) (bits)" },
    y: { metrics: ["ib_ity"], label: "I(T;Y) (bits)" },
    groupBy: "layer",
  }],
  setup(ctx, options) {
    const o: BoundOptions = options;
    // Read the table now so a bad path fails before training starts.
    const table = o.table ? readJointTable(o.table) : undefined;
    let done = false;
    const fromLabels = (labels: Int32Array, numClasses: number) => {
      if (done) return;
      done = true;
      computeCurve(ctx, o, jointFromLabels(labels, numClasses, o.soften), "labels");
    };
    const fromTable = () => {
      if (done || !table) return;
      done = true;
      computeCurve(ctx, o, table, o.table);
    };
    return {
      run_start: () => fromTable(),
      activations: (e) => {
        fromTable();
        fromLabels(e.labels, e.numClasses);
      },
      train_end: (e) => {
        fromTable();
        fromLabels(e.dataset.probe.y, e.dataset.numClasses);
      },
      run_end: () => {
        fromTable();
        if (!done) {
          throw new LensError("no labels arrived (no activations or train_end event)", {
            code: "plugin",
            field: "ib-bound",
            expected: "a run with activations, or the table option",
          });
        }
      },
    };
  },
});
