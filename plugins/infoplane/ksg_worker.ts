/**
 * Worker entry of ksg_parallel.ts: the KSG neighbour counts of one range of
 * samples (ksgNeighbourCounts), answered with the request's id.
 *
 * @module
 */
/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
import { errorMessage } from "../../core/errors.ts";
import { ksgNeighbourCounts } from "./ksg_mi.ts";
import type { KsgRangeJob } from "./ksg_parallel.ts";

self.onmessage = (e: MessageEvent<{ id: number; req: KsgRangeJob }>) => {
  const { id, req: j } = e.data;
  try {
    const result = ksgNeighbourCounts(j.x, j.dx, j.y, j.dy, j.n, j.k, j.from, j.to);
    self.postMessage({ id, ok: true, result });
  } catch (err) {
    self.postMessage({ id, ok: false, error: errorMessage(err) });
  }
};
