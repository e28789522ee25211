// Fetch helpers for the layerlens API: JSON in, errors as Error(message).

/** GETs JSON; throws Error with the server's {error} message on failure. */
export async function getJSON(url) {
  const res = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    throw Object.assign(new Error(body.error ?? `${res.status} ${res.statusText}`), {
      status: res.status,
    });
  }
  return body;
}

/** POSTs a config (YAML or JSON text); returns {id, url}. */
export async function startRun(configText) {
  const res = await fetch("/api/runs", {
    method: "POST",
    headers: { "Content-Type": "text/plain" },
    body: configText,
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
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
