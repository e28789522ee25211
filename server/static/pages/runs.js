// The runs page: every stored run in a table (status, data, model, seeds,
// epochs, duration), checkboxes to pick runs to compare, and a form that
// starts a new run from a YAML config.

import { getJSON, startRun } from "../api.js";
import { busyButton, el, formatDuration, formatTime, statusBadge } from "../dom.js";

const EXAMPLE = `name: tishby12-quick
data: {name: tishby12}
model: {type: mlp, hidden: [10, 7, 5, 4, 3], activation: tanh}
training: {epochs: 300}
seeds: [0, 1, 2]
plugins:
  - id: mi-binned
  - id: grad-snr
`;

function progressCell(r) {
  const td = el("td", "num");
  if (r.epochs === null) return td;
  if (r.status === "running" && r.progress !== null) {
    const bar = el("div", "progress");
    const fill = el("div", "progress-fill");
    fill.style.width = `${(100 * r.progress).toFixed(1)}%`;
    bar.append(fill);
    bar.title = `${(100 * r.progress).toFixed(0)}% of ${r.epochs} epochs × ${r.seeds} seeds`;
    td.append(bar);
  } else td.textContent = String(r.epochs);
  return td;
}

function runRow(r, selected, onToggle) {
  const tr = el("tr");
  tr.dataset.runId = r.id;
  const pick = el("input");
  pick.type = "checkbox";
  pick.checked = selected.has(r.id);
  pick.setAttribute("aria-label", `select ${r.name}`);
  pick.addEventListener("change", () => onToggle(r.id, pick.checked));
  const pickTd = el("td", "pick");
  pickTd.append(pick);
  const nameTd = el("td", "name");
  const link = el("a", "", r.name || r.id);
  link.href = `/runs/${encodeURIComponent(r.id)}`;
  nameTd.append(link, el("div", "muted small mono", r.id));
  const statusTd = el("td");
  statusTd.append(statusBadge(r.status));
  if (r.error) statusTd.title = r.error;
  if (r.pluginErrors) {
    statusTd.append(
      el("span", "warn small", ` ${r.pluginErrors} plugin error${r.pluginErrors > 1 ? "s" : ""}`),
    );
  }
  tr.append(
    pickTd,
    nameTd,
    statusTd,
    el("td", "", r.data || "–"),
    el("td", "", r.model || "–"),
    el("td", "num", r.seeds ? String(r.seeds) : "–"),
    progressCell(r),
    el("td", "small", r.plugins.join(", ") || "–"),
    el("td", "num", formatDuration(r.durationS)),
    el("td", "small", formatTime(r.createdAt)),
  );
  return tr;
}

function newRunForm(onStarted) {
  const box = el("details", "card new-run");
  box.append(el("summary", "", "Start a new run"));
  const help = el(
    "p",
    "muted small",
    "Paste a run config (YAML or JSON, the same as for `lens run`). " +
      "Runs started here are written to this dashboard's database.",
  );
  const text = el("textarea", "mono");
  text.value = EXAMPLE;
  text.rows = 10;
  text.spellcheck = false;
  const go = el("button", "btn primary", "Start run");
  const msg = el("div", "form-msg small");
  busyButton(go, msg, "Starting…", async () => {
    const { id } = await startRun(text.value);
    onStarted(id);
  });
  box.append(help, text, el("div", "form-row"));
  box.lastChild.append(go, msg);
  return box;
}

/** Shows the runs page in `main`. */
export async function showRunsPage(main) {
  document.title = "Runs · layerlens";
  const selected = new Set();
  main.innerHTML = "";
  const head = el("div", "page-head");
  head.append(el("h1", "", "Runs"));
  const compare = el("button", "btn primary", "Compare selected");
  compare.disabled = true;
  compare.addEventListener("click", () => {
    location.href = `/compare?runs=${[...selected].map(encodeURIComponent).join(",")}`;
  });
  head.append(compare);
  main.append(head);
  const tableCard = el("div", "card table-card");
  const table = el("table", "runs");
  const thead = el("thead");
  const hr = el("tr");
  for (
    const h of [
      "",
      "Run",
      "Status",
      "Data",
      "Model",
      "Seeds",
      "Epochs",
      "Plugins",
      "Duration",
      "Started",
    ]
  ) {
    hr.append(el("th", "", h));
  }
  thead.append(hr);
  const tbody = el("tbody");
  table.append(thead, tbody);
  tableCard.append(table);
  main.append(tableCard);
  main.append(newRunForm((id) => (location.href = `/runs/${encodeURIComponent(id)}`)));

  const toggle = (id, on) => {
    if (on) selected.add(id);
    else selected.delete(id);
    compare.disabled = selected.size < 2;
    compare.textContent = selected.size >= 2 ? `Compare ${selected.size} runs` : "Compare selected";
  };
  const refresh = async () => {
    const { runs } = await getJSON("/api/runs");
    tbody.innerHTML = "";
    if (!runs.length) {
      const td = el(
        "td",
        "muted empty-row",
        "No runs yet. Start one below, or with `lens run config.yaml`.",
      );
      td.colSpan = 10;
      const tr = el("tr");
      tr.append(td);
      tbody.append(tr);
    }
    for (const r of runs) tbody.append(runRow(r, selected, toggle));
    return runs.some((r) => r.status === "running" || r.status === "starting");
  };
  const loop = async () => {
    const busy = await refresh().catch(() => true);
    setTimeout(loop, busy ? 2000 : 10000);
  };
  await refresh();
  setTimeout(loop, 2000);
}
