// The sweep page: the runs of a sweep (named <sweep>/<variant>) grouped by
// everything but the seed, the sweep's comparison table (as `lens sweep`
// prints it; a group's runs pooled, weighted by their seeds), the config
// keys the variants change, and every chart overlaid, one colour family
// per variant, seeds as mean with a band.

import { getJSON, pluginsById } from "../api.js";
import { familyColor } from "../colors.js";
import { el, statusBadge } from "../dom.js";
import { fmtNum, pluginColumns, sortableTable } from "../sort_table.js";
import { configDiff, overlaidCharts } from "./compare.js";

/** Seed-weighted mean of `key` over the rows (null when none is finite). */
function pooled(rows, key) {
  let s = 0, n = 0;
  for (const r of rows) {
    const v = r[key];
    if (typeof v !== "number" || !Number.isFinite(v)) continue;
    const w = Math.max(1, r.seeds);
    s += w * v;
    n += w;
  }
  return n ? s / n : null;
}

/** Shows sweep `name` in `main`. */
export async function showSweepPage(main, name) {
  document.title = `Sweep ${name} · layerlens`;
  main.innerHTML = "";
  const enc = encodeURIComponent;
  const head = el("div", "page-head");
  head.append(el("h1", "", `Sweep ${name}`));
  main.append(head);
  const [plugins, sweep] = await Promise.all([
    pluginsById(),
    getJSON(`/api/sweeps/${enc(name)}`),
  ]);
  const infos = await Promise.all(
    sweep.rows.map((r) => getJSON(`/api/runs/${enc(r.runId)}`)),
  );
  const runById = new Map(infos.map((i) => [i.run.id, i.run]));
  const rowById = new Map(sweep.rows.map((r) => [r.runId, r]));
  const groups = sweep.groups.map((g, i) => ({
    i,
    name: g.variant,
    runs: g.runIds.map((id) => runById.get(id)),
    rows: g.runIds.map((id) => rowById.get(id)),
    seeds: g.seeds,
  }));
  main.append(
    el(
      "p",
      "muted small",
      `${sweep.rows.length} runs in ${groups.length} group${groups.length > 1 ? "s" : ""} ` +
        "(runs whose configs differ only in their seeds are one group).",
    ),
  );

  const swatch = (i) => {
    const s = el("span", "swatch");
    s.style.background = familyColor(i);
    return s;
  };
  const num = (key, label, get = (g) => pooled(g.rows, key)) => ({
    key,
    label,
    num: true,
    value: get,
    cell: (g) => fmtNum(get(g)),
  });
  const table = sortableTable([
    {
      key: "variant",
      label: "variant",
      value: (g) => g.name,
      cell: (g) => {
        const span = el("span");
        span.append(swatch(g.i), document.createTextNode(g.name));
        return span;
      },
    },
    {
      key: "status",
      label: "status",
      value: (g) => g.rows.map((r) => r.status).join(","),
      cell: (g) => {
        const span = el("span");
        for (const st of new Set(g.rows.map((r) => r.status))) span.append(statusBadge(st));
        return span;
      },
    },
    num("runs", "runs", (g) => g.runs.length),
    num("seeds", "seeds", (g) => g.seeds),
    num("epochs", "epochs"),
    num("trainLoss", "train loss"),
    num("testLoss", "test loss"),
    num("trainAccuracy", "train acc."),
    num("testAccuracy", "test acc."),
    num("thresholdEpoch", `epoch loss < ${sweep.rows[0]?.lossThreshold ?? ""}`),
    ...pluginColumns(sweep.columns ?? [], (g) => g.rows.map((r) => r.columns ?? [])),
  ], { className: "runs sweep-table", rowAttrs: (g, tr) => (tr.dataset.variant = g.name) });
  table.setRows(groups);
  const tableCard = el("section", "card");
  tableCard.append(el("h2", "", "Comparison"), table.el);
  main.append(tableCard);

  const diff = configDiff(groups.map((g) => {
    const c = { ...(g.runs[0]?.config ?? {}) };
    delete c.name;
    delete c.seeds;
    return c;
  }));
  const diffCard = el("section", "card config-diff");
  diffCard.append(el("h2", "", "What the variants change"));
  const t = el("table", "runs diff");
  const hr = el("tr");
  hr.append(el("th", "", "key"), ...groups.map((g) => el("th", "", g.name)));
  t.append(hr);
  for (const [k, vs] of diff) {
    const tr = el("tr");
    tr.append(el("td", "mono", k), ...vs.map((v) => el("td", "mono", v ?? "–")));
    t.append(tr);
  }
  diffCard.append(diff.length ? t : el("p", "muted small", "The variants' configs are the same."));
  main.append(diffCard);

  overlaidCharts(main, groups, plugins);
}
