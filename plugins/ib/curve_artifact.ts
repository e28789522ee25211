/**
 * What `ib-bound` hands to `ib-consistency` within a run, through
 * `ctx.artifacts` under {@link IB_CURVE_ARTIFACT}.
 *
 * @module
 */
import { type ArtifactKey, artifactKey } from "../../core/artifacts.ts";
import type { IbCurve } from "./curve.ts";
import type { Envelope } from "./envelope.ts";
import type { GroupedJoint, IbJoint } from "./joint.ts";

/** Artifact key of the IB curve. */
export const IB_CURVE_ARTIFACT: ArtifactKey<IbCurveArtifact> = artifactKey("ib-bound:curve");

/** The IB curve of a run's task, with the joint it was traced on. */
export interface IbCurveArtifact {
  /** The joint p(x, y), rows in probe order. */
  joint: IbJoint;
  /** The same joint pooled by identical p(y|x) rows. */
  grouped: GroupedJoint;
  curve: IbCurve;
  /** Concave envelope of the curve and the origin (the bound as a function of I(X;T)). */
  envelope: Envelope;
  /** `labels` or the table's path. */
  source: string;
  /** Label noise used (0 for tables). */
  soften: number;
}
