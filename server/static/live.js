// Follows a run through its server-sent events: epoch rows, summaries of
// new records, and status changes; closes after the final status.

/**
 * Subscribes to /api/runs/:id/events. Handlers: onEpochs(rows),
 * onResults(summary), onStatus(status), onClosed(). Returns {close()}.
 */
export function followRun(runId, handlers) {
  const es = new EventSource(`/api/runs/${encodeURIComponent(runId)}/events`);
  const parse = (e) => JSON.parse(e.data);
  es.addEventListener("epochs", (e) => handlers.onEpochs?.(parse(e).rows));
  es.addEventListener("results", (e) => handlers.onResults?.(parse(e)));
  es.addEventListener("status", (e) => {
    const s = parse(e);
    handlers.onStatus?.(s);
    if (s.final) {
      es.close();
      handlers.onClosed?.();
    }
  });
  es.addEventListener("error", () => {
    // The browser reconnects by itself unless the server refused the stream.
    if (es.readyState === EventSource.CLOSED) handlers.onClosed?.();
  });
  return { close: () => es.close() };
}
