/**
 * The 12-bit task of Shwartz-Ziv & Tishby for the fused MLP tests and
 * benchmark: all 4096 inputs (bits of i, most significant first), labels
 * from the project's copy data/var_u_labels.hex (read here independently
 * of core/data/tishby12.ts), train = first 3277 rows in binary
 * order, test = the last 819, probe = all 4096.
 *
 * @module
 */
import type { Dataset } from "../core/types.ts";

/** Path of the label file (data/var_u_labels.hex, see data/PROVENANCE.md). */
export const LABELS_HEX = new URL("../data/var_u_labels.hex", import.meta.url);

/** The 12-bit data set with the reference split (3277 train rows). */
export function task12(): Dataset {
  const hex = Deno.readTextFileSync(LABELS_HEX).replace(/\s+/g, "");
  const x = new Float32Array(4096 * 12);
  const y = new Int32Array(4096);
  for (let i = 0; i < 4096; i++) {
    for (let b = 0; b < 12; b++) x[i * 12 + b] = (i >> (11 - b)) & 1;
    const byte = parseInt(hex.slice(2 * (i >> 3), 2 * (i >> 3) + 2), 16);
    y[i] = (byte >> (7 - (i & 7))) & 1;
  }
  const nTrain = 3277;
  return {
    name: "tishby12",
    inputShape: [12],
    numClasses: 2,
    xTrain: x.slice(0, nTrain * 12),
    yTrain: y.slice(0, nTrain),
    nTrain,
    xTest: x.slice(nTrain * 12),
    yTest: y.slice(nTrain),
    nTest: 4096 - nTrain,
    probe: { x, y, n: 4096 },
    info: { split: "reference", source: "data/var_u_labels.hex" },
  };
}
