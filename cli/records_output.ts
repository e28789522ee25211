/**
 * Tidy records as CSV or JSON (header `run,plugin,layer,epoch,seed,index,metric,value`),
 * written to a file or stdout.
 *
 * @module
 */
import type { ResultRecord } from "../core/types.ts";

/** The CSV header of exported records. */
export const EXPORT_HEADER = "run,plugin,layer,epoch,seed,index,metric,value";

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Records as CSV, one line per record (NaN written as `NaN`).
 *
 * @example
 * ```ts
 * recordsToCsv("r1", [{ plugin: "p", layer: "l", epoch: 0, seed: 0, index: 0, metric: "m", value: 1.5 }]);
 * // "run,plugin,layer,epoch,seed,index,metric,value\nr1,p,l,0,0,0,m,1.5\n"
 * ```
 */
export function recordsToCsv(runId: string, records: readonly ResultRecord[]): string {
  const lines = [EXPORT_HEADER];
  for (const r of records) {
    lines.push(
      [runId, r.plugin, r.layer, r.epoch, r.seed, r.index, r.metric, r.value].map(csvCell).join(
        ",",
      ),
    );
  }
  return lines.join("\n") + "\n";
}

/** Records as a JSON array of objects with the CSV's fields (NaN and infinities as null). */
export function recordsToJson(runId: string, records: readonly ResultRecord[]): string {
  const rows = records.map((r) => ({
    run: runId,
    plugin: r.plugin,
    layer: r.layer,
    epoch: r.epoch,
    seed: r.seed,
    index: r.index,
    metric: r.metric,
    value: r.value,
  }));
  return JSON.stringify(rows) + "\n";
}

/** Writes all of `text` to stdout (large outputs included). */
export async function writeStdout(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let off = 0;
  while (off < bytes.length) off += await Deno.stdout.write(bytes.subarray(off));
}
