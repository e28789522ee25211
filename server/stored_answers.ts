/**
 * Answers of finished runs that outlive the server: a chart's or the
 * training curves' JSON is kept in the run store (Store.storeAnswer) under
 * a key that names the request, the layerlens version and the plugins'
 * chart specs and metric descriptions, so a server started later answers a
 * run viewed before from one row, and a new version or a changed plugin
 * computes anew. The store drops an answer once the run gains a record.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { LAYERLENS_VERSION } from "../core/version.ts";
import { errorMessage } from "../core/errors.ts";
import type { Plugin, Store } from "../core/types.ts";

/** Reads and writes of one server's stored answers. */
export interface StoredAnswers {
  /** The stored answer for `request` of run `runId`, or undefined. */
  get(runId: string, request: string): string | undefined;
  /** Keeps `body` for `request` of run `runId` (a failure to keep it is told once, not thrown). */
  put(runId: string, request: string, body: string): void;
}

/**
 * Stored answers over `store` for a server with these `plugins` (the
 * registry is fixed for a server's life). A store without answer methods
 * keeps nothing.
 *
 * @example
 * ```ts
 * const answers = storedAnswers(store, registry.list());
 * answers.get(run.id, "chart\u0000mi-binned\u0000infoplane") ?? compute();
 * ```
 */
export function storedAnswers(store: Store, plugins: readonly Plugin[]): StoredAnswers {
  const stamp = JSON.stringify([
    LAYERLENS_VERSION,
    plugins.map((p) => [p.id, p.charts ?? [], p.emits ?? [], p.presentation ?? null]),
  ]);
  const keyOf = (request: string) =>
    createHash("sha256").update(stamp).update("\u0000").update(request).digest("hex");
  let told = false;
  return {
    get(runId, request) {
      return store.storedAnswer?.(runId, keyOf(request));
    },
    put(runId, request, body) {
      try {
        store.storeAnswer?.(runId, keyOf(request), body);
      } catch (e) {
        if (told) return;
        told = true;
        console.error(
          `warning: answers are not kept in the run store (${errorMessage(e)}); ` +
            "the dashboard computes them on every server start",
        );
      }
    },
  };
}
