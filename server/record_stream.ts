/**
 * A page of a run's records, streamed: read from the store in chunks by
 * rowid (keyset, each chunk one short query), each chunk written as it is
 * read, with a turn of the event loop between chunks, inside the heavy
 * lane. Memory and time per request are bounded by the page size.
 *
 * @module
 */
import type { ResultFilter, ResultRecord, Store } from "../core/types.ts";
import { type Lane, yieldToLoop } from "./heavy_lane.ts";

/** Records per store query. */
export const CHUNK = 1000;

/** How a page is written: text before, per record, between records, and after. */
export interface PageFormat {
  head: string;
  row(r: ResultRecord & { id: number }): string;
  sep: string;
  /** `next`: the `after_id` of the next page, or null when this page ended the records. */
  tail(count: number, next: number | null): string;
}

/** Streams at most `limit` records of `runId` matching `filter` (after `filter.afterId`). */
export function recordStream(
  store: Store,
  lane: Lane,
  runId: string,
  filter: ResultFilter,
  limit: number,
  format: PageFormat,
): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  let cancelled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      lane.run(async () => {
        try {
          controller.enqueue(enc.encode(format.head));
          let after = filter.afterId ?? 0;
          let count = 0;
          let more = true;
          while (count < limit && !cancelled) {
            const want = Math.min(CHUNK, limit - count);
            const rows = store.queryResults(runId, { ...filter, afterId: after, limit: want });
            let text = "";
            for (const r of rows) text += (count++ === 0 ? "" : format.sep) + format.row(r);
            if (rows.length) after = rows[rows.length - 1].id;
            if (text) controller.enqueue(enc.encode(text));
            if (rows.length < want) {
              more = false;
              break;
            }
            await yieldToLoop();
          }
          if (cancelled) return;
          controller.enqueue(enc.encode(format.tail(count, more ? after : null)));
          controller.close();
        } catch (e) {
          if (!cancelled) controller.error(e);
        }
      });
    },
    cancel() {
      cancelled = true;
    },
  });
}
