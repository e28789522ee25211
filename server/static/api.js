// Fetch helpers for the layerlens API: JSON in, errors as Error(message).

/** Answers asked for when the page started: path + query -> the response with its parsed body. */
const started = new Map();

/** Path and query of `url` (relative to the page), the key of {@link started}. */
function keyOf(url) {
  const u = new URL(url, location.href);
  return u.pathname + u.search;
}

/** Fetches `url` and reads its JSON body (an empty object when it has none). */
function request(url) {
  return fetch(url).then(async (res) => ({ res, body: await res.json().catch(() => ({})) }));
}

/**
 * Asks at once for every answer the page shell preloaded (the page's
 * first API calls, routes/static.ts), so they are read and parsed while
 * the page builds itself; {@link getJSON} takes each of them once.
 */
export function startPreloaded() {
  for (const link of document.querySelectorAll('link[rel="preload"][as="fetch"]')) {
    const key = keyOf(link.getAttribute("href"));
    if (!started.has(key)) started.set(key, request(key));
  }
}

/**
 * GETs JSON; throws Error with the server's {error} message on failure. A
 * plain request (no extra headers): it then reuses the answer the page
 * shell preloaded for the same URL (routes/static.ts), or the request
 * {@link startPreloaded} made for it.
 */
export async function getJSON(url) {
  const key = keyOf(url);
  const early = started.get(key);
  started.delete(key);
  const { res, body } = await (early ?? request(url));
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
