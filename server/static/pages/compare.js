// The compare page: the same charts of several runs side by side, one
// column per run, for every plugin the runs share.

import { chartUrl, getJSON, pluginsById } from "../api.js";
import { createChartCard } from "../chart_card.js";
import { commonRange } from "../chart_config.js";
import { el, statusBadge } from "../dom.js";
import { tabsFor } from "../families.js";

function pluginIds(run) {
  const ps = run?.config?.plugins;
  return Array.isArray(ps) ? ps.map((p) => (typeof p === "string" ? p : p.id)).filter(Boolean) : [];
}

/** Shows the comparison of `ids` in `main`. */
export async function showComparePage(main, ids) {
  document.title = "Compare · layerlens";
  main.innerHTML = "";
  const head = el("div", "page-head");
  head.append(el("h1", "", "Compare runs"));
  main.append(head);
  if (ids.length === 0) {
    main.append(el("p", "muted", "Pick runs to compare on the Runs page."));
    return;
  }
  const [plugins, infos] = await Promise.all([
    pluginsById(),
    Promise.all(ids.map((id) => getJSON(`/api/runs/${encodeURIComponent(id)}`))),
  ]);
  const runs = infos.map((i) => i.run);
  const cols = `repeat(${runs.length}, minmax(0, 1fr))`;
  const legend = el("div", "compare-cols");
  legend.style.gridTemplateColumns = cols;
  for (const r of runs) {
    const c = el("div", "card compare-run");
    const a = el("a", "", r.name || r.id);
    a.href = `/runs/${encodeURIComponent(r.id)}`;
    c.append(a, document.createTextNode(" "), statusBadge(r.status));
    c.append(
      el(
        "div",
        "muted small",
        [infos[runs.indexOf(r)].summary?.data, infos[runs.indexOf(r)].summary?.model]
          .filter(Boolean).join(" · "),
      ),
    );
    legend.append(c);
  }
  main.append(legend);

  const all = new Set(runs.flatMap(pluginIds));
  const tabs = tabsFor(all, plugins);
  let drawn = 0;
  for (const tab of tabs) {
    const specs = tab.plugins.flatMap((id) =>
      (plugins.get(id)?.charts ?? []).map((spec) => [id, spec])
    );
    if (!specs.length) continue;
    const section = el("section", "plugin-section");
    section.append(el("h2", "", tab.title));
    main.append(section);
    for (const [pluginId, spec] of specs) {
      drawn++;
      const row = el("div", "compare-cols");
      row.style.gridTemplateColumns = cols;
      const title = el("h3", "compare-title", spec.title);
      title.append(el("span", "muted small", ` · ${pluginId}`));
      section.append(title, row);
      const cards = runs.map((r) =>
        createChartCard(row, {
          title: r.name || r.id,
          fileBase: `${r.name || r.id}-${pluginId}-${spec.id}`,
        })
      );
      // Every run's data first, then all drawn on the same axes.
      Promise.all(runs.map((r, i) => {
        if (!pluginIds(r).includes(pluginId)) {
          return { chart: spec, series: [], seeds: [], epochs: [], status: r.status };
        }
        return getJSON(chartUrl(r.id, pluginId, spec.id)).catch((e) => {
          cards[i].el.querySelector(".chart-note").textContent = `Could not load: ${e.message}`;
          return null;
        });
      })).then((datas) => {
        const ok = datas.filter(Boolean);
        const range = ok.length > 1 ? commonRange(ok) : undefined;
        datas.forEach((d, i) => d && cards[i].update(d, { range }));
      });
    }
  }
  if (!drawn) main.append(el("p", "muted", "These runs have no charts to compare."));
}
