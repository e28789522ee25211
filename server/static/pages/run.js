// The run page: what the run is and how far it got, then a tab per plugin
// family (plus Training). Every chart is drawn from its plugin's ChartSpec
// (GET /api/plugins) with data aggregated by the server; plugins without a
// spec get a table or a chart per metric. While the run trains, the page
// follows /events and redraws what changed.

import { chartUrl, getJSON, pluginsById, renameRun, startRun, stopRun } from "../api.js";
import { createChartCard } from "../chart_card.js";
import { busyButton, el, formatDuration, formatTime, statusBadge } from "../dom.js";
import { tabsFor } from "../families.js";
import { followRun } from "../live.js";
import { createTrainingData } from "../training.js";
import { createEtaEstimator } from "../eta.js";

const REFRESH_MS = 1200;

function fact(label, value) {
  const d = el("div", "fact");
  d.append(el("div", "fact-label", label), el("div", "fact-value", value));
  return d;
}

/** A button asking the server to stop the run (only runs it started can be stopped). */
function stopButton(runId) {
  const wrap = el("span", "stop-run");
  const btn = el("button", "btn stop", "Stop run");
  const msg = el("span", "form-msg small");
  busyButton(btn, msg, "Stopping…", async () => {
    const { status } = await stopRun(runId);
    return status === "stopping" ? "Stopping…" : `Run ${status}.`;
  }, true);
  wrap.append(btn, msg);
  return wrap;
}

/** The files an imported run (lens analyze / features) was computed from, with their SHA-256. */
function inputsPanel(source) {
  const box = el("div", "inputs small");
  const files = [];
  if (source.activations) files.push(["activations", source.activations]);
  if (source.labels) files.push(["labels", source.labels]);
  for (const split of ["train", "test"]) {
    for (const [k, v] of Object.entries(source[split] ?? {})) files.push([`${split} ${k}`, v]);
  }
  if (source.upper?.file) files.push(["upper layers", source.upper.file]);
  for (const p of source.peers ?? []) files.push(["peer", p]);
  if (source.run) files.push(["stored run", `${source.runName ?? source.run} (${source.run})`]);
  const hashes = source.sha256 ?? {};
  const t = el("table", "records inputs-table");
  for (const [what, file] of files) {
    const tr = el("tr");
    const base = String(file).split(":")[0];
    const name = base.split("/").pop();
    const hash = hashes[name] ?? hashes[base];
    tr.append(el("td", "", what), el("td", "mono", String(file)));
    tr.append(el("td", "mono muted", hash ? `sha256 ${hash.slice(0, 16)}…` : ""));
    if (hash) tr.lastChild.title = hash;
    t.append(tr);
  }
  box.append(el("div", "fact-label", "Imported from"), t);
  return box;
}

/** "Clone, edit, start": the run's YAML in an editor, started as a new run. */
function cloneForm(run, yaml) {
  const wrap = el("div", "clone");
  const open = el("button", "btn small clone-run", "Clone, edit, start");
  wrap.append(open);
  open.addEventListener("click", () => {
    open.hidden = true;
    const text = el("textarea", "mono clone-text");
    const base = run.name || run.id;
    text.value = yaml.replace(/^name: .*$/m, `name: ${JSON.stringify(`${base} copy`)}`);
    text.rows = Math.min(30, yaml.split("\n").length + 1);
    text.spellcheck = false;
    const go = el("button", "btn primary start-clone", "Start run");
    const msg = el("div", "form-msg small");
    busyButton(go, msg, "Starting…", async () => {
      const { id } = await startRun(text.value);
      location.href = `/runs/${encodeURIComponent(id)}`;
    });
    const row = el("div", "form-row");
    row.append(go, msg);
    wrap.append(text, row);
  });
  return wrap;
}

function renderHeader(box, run, summary, configYaml) {
  box.innerHTML = "";
  const top = el("div", "run-title");
  const h = el("h1", "", run.name || run.id);
  top.append(h, statusBadge(run.status));
  if (run.config) {
    const rename = el("button", "btn small rename-run", "Rename");
    const msg = el("span", "form-msg small");
    rename.addEventListener("click", async () => {
      const name = prompt("New name of this run:", run.name || run.id);
      if (name === null || name.trim() === "" || name.trim() === run.name) return;
      try {
        const r = await renameRun(run.id, name);
        run.name = r.name;
        h.textContent = r.name;
        document.title = `${r.name} · layerlens`;
        msg.textContent = "";
      } catch (e) {
        msg.className = "form-msg small error";
        msg.textContent = e.message;
      }
    });
    top.append(rename, msg);
  }
  for (const t of summary?.tags ?? []) top.append(el("span", "tag", t));
  if (["running", "queued", "starting"].includes(run.status)) top.append(stopButton(run.id));
  box.append(top, el("div", "muted small mono", run.id));
  if (!summary) return;
  const facts = el("div", "facts");
  const epochs = summary.epochs === null ? "–" : String(summary.epochs);
  facts.append(
    fact("Data", summary.data || "–"),
    fact("Model", summary.model || "–"),
    fact("Seeds", String(summary.seeds || "–")),
    fact("Epochs", epochs),
    fact("Engine", [run.engine, run.backend].filter(Boolean).join(" · ") || "–"),
    fact("Duration", formatDuration(summary.durationS)),
    fact("Started", formatTime(run.createdAt)),
  );
  box.append(facts);
  const source = run.config?.analyze;
  if (source && typeof source === "object") box.append(inputsPanel(source));
  if (run.status === "running" && summary.progress !== null) {
    const bar = el("div", "progress wide");
    const fill = el("div", "progress-fill");
    fill.style.width = `${(100 * summary.progress).toFixed(1)}%`;
    bar.append(fill);
    const last = (run.progress ?? []).reduce((a, p) => (p.epoch > (a?.epoch ?? -1) ? p : a), null);
    const txt = last
      ? `epoch ${last.epoch + 1} of ${summary.epochs} · loss ${
        Number(last.loss).toFixed(4)
      } · accuracy ${(100 * last.accuracy).toFixed(1)}%`
      : "starting…";
    // the last ETA shown survives a redraw of the header
    const etaLine = el("div", "muted small eta-line", box.dataset.eta ?? "");
    box.append(bar, el("div", "muted small", txt), etaLine);
  }
  if (run.error) box.append(el("div", "error", `Run failed: ${run.error}`));
  for (const pe of run.pluginErrors ?? []) {
    box.append(el("div", "warn", `Plugin ${pe.plugin} failed: ${pe.message}`));
  }
  const links = el("div", "run-links small");
  const csv = el("a", "", "Export CSV");
  csv.href = `/api/runs/${encodeURIComponent(run.id)}/export?format=csv`;
  const json = el("a", "", "Export JSON");
  json.href = `/api/runs/${encodeURIComponent(run.id)}/export?format=json`;
  const config = el("details", "config");
  const yaml = configYaml ?? null;
  config.append(
    el("summary", "", yaml ? "Config (YAML for lens run)" : "Config"),
    el("pre", "mono config-text", yaml ?? JSON.stringify(run.config, null, 2)),
  );
  if (yaml) config.append(cloneForm(run, yaml));
  links.append(csv, json);
  box.append(links, config);
}

function configPluginIds(run) {
  const ps = run?.config?.plugins;
  return Array.isArray(ps) ? ps.map((p) => (typeof p === "string" ? p : p.id)).filter(Boolean) : [];
}

/**
 * A table of a plugin's records (plugins with few records and no chart
 * spec): one row per (layer, seed, epoch, index), one column per metric.
 */
function recordsTable(results) {
  const metrics = [...new Set(results.map((r) => r.metric))].sort();
  const rows = new Map();
  for (const r of results) {
    const key = `${r.layer}\u0000${r.seed}\u0000${r.epoch}\u0000${r.index}`;
    let row = rows.get(key);
    if (!row) {
      rows.set(
        key,
        row = { layer: r.layer, seed: r.seed, epoch: r.epoch, index: r.index, values: {} },
      );
    }
    row.values[r.metric] = r.value;
  }
  const sorted = [...rows.values()].sort((a, b) =>
    a.layer.localeCompare(b.layer, undefined, { numeric: true }) || a.seed - b.seed ||
    a.epoch - b.epoch ||
    a.index - b.index
  );
  const varies = (k) => new Set(sorted.map((r) => r[k])).size > 1;
  const coords = ["layer", "seed", "epoch", "index"].filter((k) =>
    varies(k) || (k === "layer" && sorted[0]?.layer)
  );
  const t = el("table", "records");
  const hr = el("tr");
  for (const h of [...coords, ...metrics]) hr.append(el("th", "", h));
  t.append(hr);
  for (const r of sorted) {
    const tr = el("tr");
    for (const k of coords) tr.append(el("td", "", String(r[k])));
    for (const m of metrics) {
      const v = r.values[m];
      tr.append(
        el(
          "td",
          "num",
          v === undefined ? "" : Number.isFinite(v) ? String(Number(v.toPrecision(5))) : String(v),
        ),
      );
    }
    t.append(tr);
  }
  if (sorted.length <= 25) return t;
  const d = el("details");
  d.append(el("summary", "muted small", `${sorted.length} rows`), t);
  return d;
}

/** Shows the run page for `runId` in `main`. */
export async function showRunPage(main, runId) {
  const [plugins, first] = await Promise.all([
    pluginsById(),
    getJSON(`/api/runs/${encodeURIComponent(runId)}`),
  ]);
  let info = first;
  let run = info.run;
  document.title = `${run.name || run.id} · layerlens`;
  main.innerHTML = "";
  const header = el("section", "card run-head");
  const tabBar = el("nav", "tabs");
  tabBar.setAttribute("role", "tablist");
  const panels = el("div", "panels");
  main.append(header, tabBar, panels);

  const summary = { count: 0, plugins: {} };
  const training = createTrainingData();
  const tabs = new Map(); // id -> {tab, button, panel, cards, built, stale, fallbacks}
  let active = null;
  let userChose = false;
  const hashTab = location.hash.slice(1);

  const firstLoads = []; // the charts of the first tab shown
  const fileBase = (suffix) => `${run.name || run.id}-${suffix}`;
  /** Loads a card's data and draws it; false when there is nothing to draw (dropped, failed). */
  const loadCard = async (entry) => {
    if (entry.dropped) return false;
    try {
      const q = entry.perSeed ? "?per_seed=1" : "";
      let data = await getJSON(chartUrl(runId, entry.plugin, entry.chartId) + q);
      if (entry.respec) data = { ...data, chart: entry.respec(data.chart) };
      if (data.repeats) {
        // the same points as another plugin's plane: a line instead of a second chart
        entry.dropped = true;
        const line = el(
          "p",
          "muted small repeat-note",
          `${data.chart.title} (${entry.plugin}) is not drawn: with hard labels its points ` +
            `are ${data.repeats}'s information plane, where the IB bound is drawn.`,
        );
        entry.card.el.replaceWith(line);
        entry.card.destroy();
        return false;
      }
      entry.card.update(data);
      return true;
    } catch (e) {
      entry.card.el.querySelector(".chart-note").textContent = `Could not load: ${e.message}`;
      return false;
    }
  };

  const fillFallback = async (t, pluginId) => {
    const slot = t.fallbacks.get(pluginId);
    const s = summary.plugins[pluginId];
    if (!slot || !s || slot.dataset.filled === String(s.count)) return;
    slot.dataset.filled = String(s.count);
    if (s.count <= 300) {
      const body = await getJSON(
        `/api/runs/${encodeURIComponent(runId)}/results?plugin=${encodeURIComponent(pluginId)}`,
      );
      slot.replaceChildren(recordsTable(body.results));
      return;
    }
    slot.replaceChildren(el("p", "muted small", `${s.count} records: one chart per metric.`));
    for (const metric of s.metrics) {
      const chartId = `metric:${metric}`;
      if (t.cards.some((c) => c.plugin === pluginId && c.chartId === chartId)) continue;
      const card = createChartCard(t.grid, {
        title: metric,
        fileBase: fileBase(`${pluginId}-${metric}`),
      });
      const entry = { plugin: pluginId, chartId, card };
      t.cards.push(entry);
      loadCard(entry);
    }
  };

  const build = (t) => {
    t.built = true;
    t.stale = false;
    if (t.tab.id === "training") {
      const grid = el("div", "grid");
      t.panel.append(grid);
      t.training = [
        createChartCard(grid, { title: "Loss", fileBase: fileBase("loss") }),
        createChartCard(grid, { title: "Accuracy", fileBase: fileBase("accuracy") }),
      ];
      t.training[0].update(training.loss());
      t.training[1].update(training.accuracy());
      return;
    }
    const overlaid = new Map();
    for (const id of t.tab.plugins) {
      for (const c of plugins.get(id)?.charts ?? []) {
        if (c.overlay) overlaid.set(c.overlay.plugin, `${id} · ${c.title}`);
      }
    }
    const grid = el("div", "grid");
    t.grid = grid;
    t.panel.append(grid);
    for (const pluginId of t.tab.plugins) {
      const p = plugins.get(pluginId);
      if (!p?.charts?.length && overlaid.has(pluginId)) {
        t.panel.append(
          el("p", "muted small", `${pluginId} is drawn on ${overlaid.get(pluginId)}.`),
        );
        continue;
      }
      if (p?.charts?.length) {
        for (const spec of p.charts) {
          const card = createChartCard(grid, {
            title: spec.title,
            subtitle: pluginId,
            fileBase: fileBase(`${pluginId}-${spec.id}`),
          });
          if (p.description) card.el.title = `${pluginId}: ${p.description}`;
          const entry = { plugin: pluginId, chartId: spec.id, card };
          t.cards.push(entry);
          firstLoads.push(loadCard(entry).then((ok) => ok && entry.card.drawn()));
          // an information plane: also each coordinate against epoch, per layer (log epochs)
          if (spec.type === "scatter" && spec.colorBy === "epoch" && spec.x.metric) {
            for (
              const [metric, label] of [
                [spec.x.metric, spec.x.label],
                [spec.y.metrics[0], spec.y.label],
              ]
            ) {
              const name = label.replace(/\s*\(bits\)\s*$/, "");
              const title = `${name} against epoch`;
              const c = createChartCard(grid, {
                title,
                subtitle: pluginId,
                fileBase: fileBase(`${pluginId}-${metric}-epoch`),
                onPerSeed: (on) => {
                  e.perSeed = on;
                  loadCard(e);
                },
              });
              const e = {
                plugin: pluginId,
                chartId: `metric:${metric}`,
                card: c,
                perSeed: false,
                respec: (ch) => ({
                  ...ch,
                  title,
                  x: { ...ch.x, log: true },
                  y: { ...ch.y, label },
                }),
              };
              t.cards.push(e);
              firstLoads.push(loadCard(e).then((ok) => ok && e.card.drawn()));
            }
          }
        }
      } else {
        const slot = el("section", "card fallback");
        const head = el("div", "card-titles");
        head.append(el("h3", "", pluginId));
        if (p?.description) head.append(el("div", "muted small", p.description));
        const body = el("div", "fallback-body");
        body.append(el("p", "muted small", "No records yet."));
        slot.append(head, body);
        grid.append(slot);
        t.fallbacks.set(pluginId, body);
        fillFallback(t, pluginId);
      }
    }
  };

  const refreshTab = (t) => {
    t.stale = false;
    if (t.training) {
      t.training[0].update(training.loss());
      t.training[1].update(training.accuracy());
      return;
    }
    for (const entry of t.cards) loadCard(entry);
    for (const pluginId of t.fallbacks.keys()) fillFallback(t, pluginId);
  };

  const show = (id) => {
    const t = tabs.get(id) ?? tabs.values().next().value;
    if (!t) return;
    active = t;
    for (const o of tabs.values()) {
      const on = o === t;
      o.button.classList.toggle("active", on);
      o.button.setAttribute("aria-selected", String(on));
      o.panel.hidden = !on;
    }
    if (!t.built) build(t);
    else if (t.stale) refreshTab(t);
    if (location.hash.slice(1) !== t.tab.id) history.replaceState(null, "", `#${t.tab.id}`);
  };

  const syncTabs = () => {
    const ids = new Set([...configPluginIds(run), ...Object.keys(summary.plugins)]);
    // imported runs (lens analyze / features) have no training to show
    const trained = !run.config?.analyze || training.size > 0;
    const wanted = [
      ...(trained ? [{ id: "training", title: "Training", plugins: [] }] : []),
      ...tabsFor(ids, plugins),
    ];
    let changed = false;
    for (const tab of wanted) {
      const t = tabs.get(tab.id);
      if (t) {
        const added = tab.plugins.filter((p) => !t.tab.plugins.includes(p));
        if (added.length && t.built) {
          // Rebuild to place the new plugin in family order.
          t.panel.innerHTML = "";
          t.cards.forEach((c) => c.card.destroy());
          t.cards = [];
          t.fallbacks = new Map();
          t.tab = tab;
          build(t);
        } else t.tab = tab;
        continue;
      }
      changed = true;
      const button = el("button", "tab", tab.title);
      button.setAttribute("role", "tab");
      button.dataset.tab = tab.id;
      button.addEventListener("click", () => {
        userChose = true;
        show(tab.id);
      });
      const panel = el("div", "panel");
      panel.dataset.tab = tab.id;
      panel.hidden = true;
      tabs.set(tab.id, {
        tab,
        button,
        panel,
        cards: [],
        fallbacks: new Map(),
        built: false,
        stale: false,
      });
    }
    if (changed) {
      const order = wanted.map((w) => w.id);
      tabBar.replaceChildren(...order.map((id) => tabs.get(id).button));
      panels.replaceChildren(...order.map((id) => tabs.get(id).panel));
    }
    // Until the user picks a tab: the one the address names, else the first
    // plugin family (tabs appear as a starting run writes its config).
    if (!userChose) {
      const target = tabs.has(hashTab)
        ? hashTab
        : wanted.find((w) => w.id !== "training")?.id ?? wanted[0]?.id;
      if (active?.tab.id !== target) show(target);
    }
  };
  // the first tab's charts are asked for first, the header drawn while they come
  syncTabs();
  renderHeader(header, run, info.summary, info.configYaml);

  // Live following: redraw the visible tab at most every REFRESH_MS.
  let timer = null;
  let last = 0;
  let trainingDirty = false;
  let resultsDirty = false;
  const flush = () => {
    timer = null;
    last = performance.now();
    for (const t of tabs.values()) {
      if (!t.built) continue;
      const isTraining = t.tab.id === "training";
      if ((isTraining && !trainingDirty) || (!isTraining && !resultsDirty)) continue;
      if (t === active) refreshTab(t);
      else t.stale = true;
    }
    trainingDirty = resultsDirty = false;
  };
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(flush, Math.max(0, REFRESH_MS - (performance.now() - last)));
  };

  // The live stream (all epoch rows first) waits until the first charts are drawn: they draw sooner.
  if (active?.tab.id !== "training") {
    await Promise.race([
      Promise.allSettled(firstLoads),
      new Promise((r) => setTimeout(r, 3000)),
    ]);
  }
  let caughtUp = false;
  // made once the run's row (with its schedule) exists: a run started here is "starting" first
  const makeEta = () =>
    info.sampledEpochs && run.status === "running" && info.summary?.epochs
      ? createEtaEstimator(
        info.sampledEpochs,
        info.summary.epochs,
        info.summary.seeds,
        Date.parse(run.createdAt),
      )
      : null;
  let eta = makeEta();
  followRun(runId, {
    onEpochs(rows) {
      training.add(rows);
      if (caughtUp && eta) {
        eta.add(Date.now(), rows);
        const left = eta.etaS();
        const line = header.querySelector(".eta-line");
        if (Number.isFinite(left)) {
          header.dataset.eta = `about ${formatDuration(left)} left (sampled and plain epochs ` +
            "costed apart, as measured while this page watched)";
          if (line) line.textContent = header.dataset.eta;
        }
      } else if (eta) eta.add(Date.now(), rows);
      trainingDirty = true;
      if (caughtUp) schedule();
    },
    onResults(s) {
      summary.count += s.count;
      for (const [id, p] of Object.entries(s.plugins)) {
        const o = summary.plugins[id];
        if (!o) summary.plugins[id] = { ...p };
        else {
          o.count += p.count;
          o.metrics = [...new Set([...o.metrics, ...p.metrics])].sort();
          o.layers = [...new Set([...o.layers, ...p.layers])];
          o.epochMax = Math.max(o.epochMax, p.epochMax);
        }
      }
      resultsDirty = true;
      syncTabs();
      for (const t of tabs.values()) {
        for (const id of t.fallbacks.keys()) if (s.plugins[id]) fillFallback(t, id);
      }
      if (caughtUp) schedule();
    },
    async onStatus(st) {
      const wasStarting = run.status === "starting";
      const changed = st.status !== run.status || st.final;
      if (st.status === "starting") return;
      if (wasStarting || changed || st.phase === "follow") {
        info = await getJSON(`/api/runs/${encodeURIComponent(runId)}`);
        run = info.run;
        renderHeader(header, run, info.summary, info.configYaml);
        syncTabs();
        eta ??= makeEta();
      }
      if (!caughtUp) {
        caughtUp = true;
        // The first charts were fetched before the catch-up; the training tab needs it.
        trainingDirty = true;
        resultsDirty = wasStarting;
        flush();
      } else if (st.final) {
        trainingDirty = resultsDirty = true;
        flush();
      }
      document.body.dataset.runStatus = run.status;
    },
  });
}
