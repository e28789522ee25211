// The compare page: the selected runs overlaid in one chart per metric
// (loss and accuracy, then every chart of the plugins they ran), one colour
// family per run with its layers as shades; the config keys that differ;
// and a sortable summary of final values.

import { chartUrl, getJSON, pluginsById } from "../api.js";
import { createChartCard } from "../chart_card.js";
import { familyColor } from "../colors.js";
import { el, formatDuration, statusBadge } from "../dom.js";
import { tabsFor } from "../families.js";
import { fmtNum, pluginColumns, sortableTable } from "../sort_table.js";

function pluginIds(run) {
  const ps = run?.config?.plugins;
  return Array.isArray(ps) ? ps.map((p) => (typeof p === "string" ? p : p.id)).filter(Boolean) : [];
}

/** Config leaves by dotted path (plugins by id), each as JSON text. */
export function flattenConfig(config) {
  const out = new Map();
  const walk = (v, path) => {
    if (path === "plugins" && Array.isArray(v)) {
      for (const p of v) {
        const id = typeof p === "string" ? p : p?.id;
        if (!id) continue;
        const opts = typeof p === "object" && p.options ? p.options : {};
        out.set(`plugins.${id}`, "on");
        walk(opts, `plugins.${id}`);
      }
      return;
    }
    if (v && typeof v === "object" && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
      return;
    }
    out.set(path, JSON.stringify(v));
  };
  walk(config ?? {}, "");
  return out;
}

/** Rows [key, values per run] of the keys whose values differ between the runs. */
export function configDiff(configs) {
  const flat = configs.map(flattenConfig);
  const keys = [...new Set(flat.flatMap((f) => [...f.keys()]))].sort();
  return keys
    .map((k) => [k, flat.map((f) => f.get(k))])
    .filter(([, vs]) => new Set(vs.map((v) => v ?? "")).size > 1);
}

/**
 * One chart data of several runs' datas (null where a run has none):
 * every series renamed "run · label", coloured in its run's family, its
 * groups (layers) as shades. Points are coloured by series, not by epoch.
 */
export function overlayRuns(datas, names, spec) {
  const series = [];
  const seeds = new Set();
  const overlay = [];
  datas.forEach((d, i) => {
    if (!d) return;
    const groups = [...new Set(d.series.map((s) => s.group))];
    const many = d.series.length > 1;
    for (const s of d.series) {
      series.push({
        ...s,
        label: many ? `${names[i]} · ${s.label}` : names[i],
        group: `${i}\u0000${s.group}`,
        color: familyColor(i, groups.indexOf(s.group), groups.length),
        run: i,
      });
    }
    for (const v of d.seeds ?? []) seeds.add(v);
    // one bound per label (the same labels, the same bound), the one reaching furthest
    for (const o of d.overlay ?? []) {
      const k = overlay.findIndex((p) => p.label === o.label);
      if (k < 0) overlay.push(o);
      else if ((o.x[o.x.length - 1] ?? 0) > (overlay[k].x[overlay[k].x.length - 1] ?? 0)) {
        overlay[k] = o;
      }
    }
  });
  const means = datas.map((d, i) => {
    const m = d ? Math.max(0, ...d.series.flatMap((s) => s.n ?? [])) : 0;
    return m > 1 ? `${names[i]}: mean over ${m} seeds` : null;
  }).filter(Boolean);
  return {
    chart: { ...spec, colorBy: undefined },
    series,
    seeds: [...seeds],
    epochs: [],
    overlay,
    markers: [],
    overlaid: true,
    caption: means.length ? `${means.join("; ")}; shading / whiskers: ±1 sd.` : "",
    note: datas.find((d) => d?.note)?.note,
  };
}

/** Mean and sd over all seeds of parts {m, sd, n} (each a mean of n seeds with its sd). */
function pool(parts) {
  const ok = parts.filter((p) => Number.isFinite(p.m) && p.n > 0);
  const n = ok.reduce((a, p) => a + p.n, 0);
  if (!n) return { m: null, sd: null, n: 0 };
  const m = ok.reduce((a, p) => a + p.n * p.m, 0) / n;
  const ss = ok.reduce(
    (a, p) => a + (p.n - 1) * (Number.isFinite(p.sd) ? p.sd : 0) ** 2 + p.n * (p.m - m) ** 2,
    0,
  );
  return { m, sd: n > 1 ? Math.sqrt(ss / (n - 1)) : 0, n };
}

/**
 * One chart data from the same chart of several runs that differ only in
 * their seeds: per series and point (same epoch), the mean over every
 * seed of every run with its sd (a group of runs drawn as one).
 */
export function mergeRunDatas(list) {
  const datas = list.filter(Boolean);
  if (datas.length <= 1) return datas[0] ?? null;
  const scatter = !!datas[0].chart?.x?.metric;
  const series = new Map();
  for (const d of datas) {
    for (const s of d.series) {
      const key = `${s.group}\u0000${s.metric}\u0000${s.index ?? ""}`;
      let acc = series.get(key);
      if (!acc) series.set(key, acc = { proto: s, points: new Map() });
      // points meet at the same epoch (x on epoch axes); the k-th point of an epoch with the
      // k-th (an IB curve: every point at epoch 0, in annealing order)
      const seen = new Map();
      s.x.forEach((x, j) => {
        const at = s.epoch?.[j] ?? x;
        const k = seen.get(at) ?? 0;
        seen.set(at, k + 1);
        const key = `${at}#${k}`;
        let p = acc.points.get(key);
        if (!p) acc.points.set(key, p = { at, k, epoch: s.epoch?.[j], x: [], y: [] });
        const n = s.n?.[j] ?? 1;
        p.x.push({ m: x, sd: s.xSd?.[j], n });
        p.y.push({ m: s.y[j], sd: s.ySd?.[j], n });
      });
    }
  }
  const out = [];
  for (const { proto, points } of series.values()) {
    const pts = [...points.values()].sort((a, b) => a.at - b.at || a.k - b.k);
    const s = { ...proto, x: [], y: [], ySd: [], n: [] };
    if (scatter) s.xSd = [];
    if (proto.epoch) s.epoch = [];
    for (const p of pts) {
      const y = pool(p.y);
      if (scatter) {
        const x = pool(p.x);
        s.x.push(x.m);
        s.xSd.push(x.sd);
      } else s.x.push(p.x[0].m);
      s.y.push(y.m);
      s.ySd.push(y.sd);
      s.n.push(y.n);
      if (proto.epoch) s.epoch.push(p.epoch);
    }
    out.push(s);
  }
  return {
    ...datas[0],
    series: out,
    seeds: [...new Set(datas.flatMap((d) => d.seeds ?? []))],
    epochs: [...new Set(datas.flatMap((d) => d.epochs ?? []))].sort((a, b) => a - b),
  };
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
  const enc = encodeURIComponent;
  const [plugins, infos, trainings] = await Promise.all([
    pluginsById(),
    Promise.all(ids.map((id) => getJSON(`/api/runs/${enc(id)}`))),
    Promise.all(ids.map((id) => getJSON(`/api/runs/${enc(id)}/training`).catch(() => null))),
  ]);
  const runs = infos.map((i) => i.run);
  const base = runs.map((r) => r.name || r.id);
  const names = base.map((
    n,
    i,
  ) => (base.indexOf(n) !== i || base.lastIndexOf(n) !== i
    ? `${n} (${runs[i].id.slice(0, 8)})`
    : n)
  );

  // Runs, each with its colour.
  const chips = el("div", "compare-chips");
  runs.forEach((r, i) => {
    const c = el("div", "card compare-run");
    const sw = el("span", "swatch");
    sw.style.background = familyColor(i);
    const a = el("a", "", names[i]);
    a.href = `/runs/${enc(r.id)}`;
    c.append(sw, a, document.createTextNode(" "), statusBadge(r.status));
    const s = infos[i].summary;
    c.append(el("div", "muted small", [s?.data, s?.model].filter(Boolean).join(" · ")));
    chips.append(c);
  });
  main.append(chips);

  // Summary: final values, sortable.
  const rows = runs.map((r, i) => ({
    i,
    name: names[i],
    run: r,
    summary: infos[i].summary,
    final: trainings[i]?.final ?? {},
    headline: trainings[i]?.headline ?? {},
  }));
  const swatch = (i) => {
    const s = el("span", "swatch");
    s.style.background = familyColor(i);
    return s;
  };
  // the plugins' headline columns (lens sweep's), each group once
  const heads = [];
  for (const t of trainings) {
    for (const h of t?.headlineColumns ?? []) if (!heads.some((x) => x.id === h.id)) heads.push(h);
  }
  const table = sortableTable([
    {
      key: "name",
      label: "run",
      value: (r) => r.name,
      cell: (r) => {
        const span = el("span");
        span.append(swatch(r.i), document.createTextNode(r.name));
        return span;
      },
    },
    {
      key: "status",
      label: "status",
      value: (r) => r.run.status,
      cell: (r) => statusBadge(r.run.status),
    },
    { key: "seeds", label: "seeds", num: true, value: (r) => r.summary?.seeds ?? null },
    { key: "epochs", label: "epochs", num: true, value: (r) => r.summary?.epochs ?? null },
    {
      key: "loss",
      label: "train loss",
      num: true,
      value: (r) => r.final.loss,
      cell: (r) => fmtNum(r.final.loss),
    },
    {
      key: "testLoss",
      label: "test loss",
      num: true,
      value: (r) => r.final.testLoss,
      cell: (r) => fmtNum(r.final.testLoss),
    },
    {
      key: "accuracy",
      label: "train acc.",
      num: true,
      value: (r) => r.final.accuracy,
      cell: (r) => fmtNum(r.final.accuracy),
    },
    {
      key: "testAccuracy",
      label: "test acc.",
      num: true,
      value: (r) => r.final.testAccuracy,
      cell: (r) => fmtNum(r.final.testAccuracy),
    },
    {
      key: "thresholdEpoch",
      label: "epoch loss < 0.1",
      num: true,
      value: (r) => r.headline.thresholdEpoch ?? null,
      cell: (r) => fmtNum(r.headline.thresholdEpoch),
    },
    ...pluginColumns(heads, (r) => [r.headline.columns ?? []]),
    {
      key: "duration",
      label: "duration",
      num: true,
      value: (r) => r.summary?.durationS ?? null,
      cell: (r) => formatDuration(r.summary?.durationS),
    },
  ], { className: "runs compare-summary" });
  table.setRows(rows);
  const sumCard = el("section", "card");
  sumCard.append(el("h2", "", "Summary"), table.el);
  main.append(sumCard);

  // Config keys that differ.
  const diff = configDiff(runs.map((r) => r.config));
  const diffCard = el("section", "card config-diff");
  diffCard.append(el("h2", "", "Config differences"));
  if (!diff.length) diffCard.append(el("p", "muted small", "The configs are the same."));
  else {
    const t = el("table", "runs diff");
    const hr = el("tr");
    hr.append(el("th", "", "key"), ...names.map((n) => el("th", "", n)));
    t.append(hr);
    for (const [k, vs] of diff) {
      const tr = el("tr");
      tr.append(el("td", "mono", k), ...vs.map((v) => el("td", "mono", v ?? "–")));
      t.append(tr);
    }
    diffCard.append(t);
  }
  main.append(diffCard);

  overlaidCharts(
    main,
    runs.map((r, k) => ({ name: names[k], runs: [r], trainings: [trainings[k]] })),
    plugins,
  );
}

/**
 * The overlaid charts of `groups` ([{name, runs, trainings?}], a group's runs merged
 * as one: same config but the seeds): training curves, then every chart of
 * the plugins they ran, one colour family per group; a layer picker for
 * the per-layer charts.
 */
export function overlaidCharts(main, groups, plugins) {
  const enc = encodeURIComponent;
  const names = groups.map((g) => g.name);
  const runs = groups.map((g) => g.runs[0]);
  const fetchGroup = (g, url) =>
    Promise.all(g.runs.map((r) => getJSON(url(r)).catch(() => null))).then(mergeRunDatas);
  const trainings = Promise.all(
    groups.map((g) =>
      g.trainings ??
        Promise.all(
          g.runs.map((r) => getJSON(`/api/runs/${enc(r.id)}/training`).catch(() => null)),
        )
    ),
  );
  // Which layer the per-layer charts show.
  const controls = el("div", "compare-controls");
  const layerSel = el("select", "layer-select");
  layerSel.append(new Option("all layers", ""));
  const layers = new Set();
  const addLayers = (datas) => {
    for (const d of datas) {
      for (const s of d?.series ?? []) {
        if (!s.layer || layers.has(s.layer) || d.chart.groupBy !== "layer") continue;
        layers.add(s.layer);
        layerSel.append(new Option(s.layer, s.layer));
      }
    }
  };
  const layerLabel = el("label", "small", "Layer ");
  layerLabel.append(layerSel);
  controls.append(layerLabel);
  main.append(controls);

  const charts = []; // {card, load()}
  const section = (title) => {
    const s = el("section", "plugin-section");
    s.append(el("h2", "", title));
    const grid = el("div", "grid");
    s.append(grid);
    main.append(s);
    return grid;
  };

  // Training curves: one line per run and curve.
  const trainGrid = section("Training");
  trainings.then((perGroup) => {
    for (const [key, title] of [["loss", "Loss"], ["accuracy", "Accuracy"]]) {
      for (const which of ["train", "test"]) {
        const datas = perGroup.map((ts) =>
          mergeRunDatas(ts.map((t) => {
            const d = t?.[key];
            if (!d) return null;
            const s = d.series.filter((x) => x.label === which);
            return s.length ? { ...d, series: s } : null;
          }))
        );
        if (!datas.some(Boolean)) continue;
        const card = createChartCard(trainGrid, {
          title: `${which === "train" ? "Train" : "Test"} ${title.toLowerCase()}`,
          fileBase: `compare-${which}-${key}`,
        });
        card.el.dataset.chart = `training/${which}-${key}`;
        card.update(overlayRuns(datas, names, datas.find(Boolean).chart));
      }
    }
  });

  const all = new Set(runs.flatMap(pluginIds));
  const tabs = tabsFor(all, plugins);
  for (const tab of tabs) {
    const specs = tab.plugins.flatMap((id) =>
      (plugins.get(id)?.charts ?? []).map((spec) => [id, spec])
    );
    if (!specs.length) continue;
    const grid = section(tab.title);
    for (const [pluginId, spec] of specs) {
      const card = createChartCard(grid, {
        title: spec.title,
        subtitle: pluginId,
        fileBase: `compare-${pluginId}-${spec.id}`,
      });
      card.el.dataset.chart = `${pluginId}/${spec.id}`;
      const perLayer = spec.groupBy === "layer";
      const own = new Set(); // this chart's layers (ib-bound's curve has only "ib")
      const load = () => {
        const layer = perLayer && own.has(layerSel.value) ? layerSel.value : "";
        return Promise.all(groups.map((g) => {
          if (!pluginIds(g.runs[0]).includes(pluginId)) return null;
          const q = layer ? `?layer=${enc(layer)}` : "";
          return fetchGroup(g, (r) => chartUrl(r.id, pluginId, spec.id) + q);
        })).then((datas) => {
          if (!layer) {
            addLayers(datas);
            for (const d of datas) for (const x of d?.series ?? []) if (x.layer) own.add(x.layer);
          }
          if (datas.some((d) => d?.repeats)) {
            card.el.hidden = true;
            return;
          }
          card.update(overlayRuns(datas, names, spec));
        });
      };
      charts.push({ perLayer, load });
      load();
    }
  }
  layerSel.addEventListener("change", () => {
    for (const c of charts) if (c.perLayer) c.load();
  });
}
