/**
 * Which epochs are sampled (activations captured, gradients kept).
 *
 * @module
 */
import type { ScheduleSpec } from "./types.ts";

/**
 * The reference's log-spaced schedule:
 * `unique(int(logspace(0, log2(total), points, base=2))) - 1`, kept below `total`.
 * For total 8000 and 400 points this gives 274 epochs (every epoch up to 43).
 *
 * @example
 * ```ts
 * logSpacedEpochs(8000, 400).length; // 274
 * ```
 */
export function logSpacedEpochs(total: number, points: number): number[] {
  const out = new Set<number>();
  const top = Math.log2(total);
  // numpy's linspace: exponent i * step (step = top / (points - 1)), the last one set to `top`
  // exactly; `top * i / (points - 1)` rounds differently and moves some epochs across an integer.
  // (one point: numpy's linspace gives the start, 0, so epoch 0)
  const step = points === 1 ? 0 : top / (points - 1);
  for (let i = 0; i < points; i++) {
    const e = points > 1 && i === points - 1 ? top : i * step;
    // numpy's float64 power then truncation toward zero
    const v = Math.trunc(Math.pow(2, e)) - 1;
    if (v < total) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

/** Sampled epochs of a schedule for a run of `total` epochs, ascending and unique. */
export function sampledEpochs(spec: ScheduleSpec, total: number): number[] {
  switch (spec.type) {
    case "log":
      return logSpacedEpochs(total, spec.points);
    case "every": {
      const out: number[] = [];
      for (let e = 0; e < total; e += spec.every) out.push(e);
      if (out[out.length - 1] !== total - 1) out.push(total - 1);
      return out;
    }
    case "list":
      return [...new Set(spec.epochs.filter((e) => e >= 0 && e < total))].sort((a, b) => a - b);
  }
}
