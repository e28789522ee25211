// Fetch helpers for the layerlens API: JSON in, errors as Error(message).

/**
 * GETs JSON; throws Error with the server's {error} message on failure. A
 * plain request (no extra headers): it then reuses the answer the page
 * shell preloaded for the same URL (routes/static.ts).
 */
export async function getJSON(url) {
  const res = await fetch(url);
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw Object.assign(new Error(body.error ?? `${res.status} ${res.statusText}`), {
      status: res.status,
    });
  }
  return body;
}

/** The server's token, carried by the page (state changes need it). */
function token() {
  return document.querySelector('meta[name="layerlens-token"]')?.content ?? "";
}

/** POSTs to a state-changing route with the token; returns the JSON answer. */
async function change(url, body, type = "application/json", method = "POST") {
  const res = await fetch(url, {
    method,
    headers: { "Content-Type": type, "X-Lens-Token": token() },
    body,
  });
  const answer = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(answer.error ?? `${res.status} ${res.statusText}`);
  return answer;
}

/** POSTs a config (YAML or JSON text; JSON is YAML); returns {id, status, url}. */
export function startRun(configText) {
  return change("/api/runs", configText, "application/yaml");
}

/** Asks the server to stop a run it started; returns {id, status}. */
export function stopRun(runId) {
  return change(`/api/runs/${encodeURIComponent(runId)}/stop`, "{}");
}

/** The URL of a plugin chart's aggregated data. */
export function chartUrl(runId, plugin, chartId) {
  return `/api/runs/${encodeURIComponent(runId)}/chart/${encodeURIComponent(plugin)}/${
    encodeURIComponent(chartId)
  }`;
}

/** Registered plugins by id (with their chart specs), fetched once per page. */
let pluginsPromise;
export function pluginsById() {
  pluginsPromise ??= getJSON("/api/plugins").then((b) => new Map(b.plugins.map((p) => [p.id, p])));
  return pluginsPromise;
}

/** Renames a run; returns {id, name}. */
export function renameRun(runId, name) {
  return change(`/api/runs/${encodeURIComponent(runId)}/rename`, JSON.stringify({ name }));
}

/** Replaces a run's tags; returns {id, tags}. */
export function setRunTags(runId, tags) {
  return change(`/api/runs/${encodeURIComponent(runId)}/tags`, JSON.stringify({ tags }));
}

/** Deletes an ended run and everything stored with it; returns {id, deleted}. */
export function deleteRun(runId) {
  return change(`/api/runs/${encodeURIComponent(runId)}`, undefined, undefined, "DELETE");
}
