/**
 * Worker entry of the KDE pool (kde_pool.ts): computes the bounds of one
 * layer per message with kdeMi and answers with its id.
 *
 * @module
 */
/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
import { errorMessage } from "../../core/errors.ts";
import { kdeMi } from "./kde_mi.ts";
import type { KdeJob } from "./kde_pool.ts";

self.onmessage = (e: MessageEvent<{ id: number; req: KdeJob }>) => {
  const { id, req: job } = e.data;
  try {
    const result = kdeMi(
      job.data,
      job.rows,
      job.cols,
      job.labels,
      job.numClasses,
      job.noiseVariance,
      job.blockSize,
    );
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({ id, ok: false, error: errorMessage(err) });
  }
};
