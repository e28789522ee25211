// The runs page: every stored run in a table (status, data, model, seeds,
// epochs or "done / planned" for unfinished runs, final loss and accuracy,
// duration) that sorts on its headers and filters by words and status,
// checkboxes (and select all) to pick runs to compare, and a form that
// starts a new run from a YAML config.

import { deleteRun, getJSON, setRunTags, startRun } from "../api.js";
import { busyButton, el, formatDuration, formatTime, statusBadge } from "../dom.js";
import { fmtNum, sortableTable } from "../sort_table.js";

const EXAMPLE = `name: tishby12-quick
data: {name: tishby12}
model: {type: mlp, hidden: [10, 7, 5, 4, 3], activation: tanh}
training: {epochs: 300}
seeds: [0, 1, 2]
plugins:
  - id: mi-binned
  - id: grad-snr
`;

/** "12 / 2000" for runs that did not finish, with a bar while running; the epochs otherwise. */
export function progressText(r) {
  if (r.epochs === null) return "–";
  const unfinished = ["running", "interrupted", "failed", "starting"].includes(r.status);
  if (unfinished) return `${r.epochsDone ?? 0} / ${r.epochs}`;
  return String(r.epochs);
}

function progressCell(r) {
  const box = el("div", "progress-cell");
  box.append(el("span", "", progressText(r)));
  if (r.status === "running" && r.progress !== null) {
    const bar = el("div", "progress");
    const fill = el("div", "progress-fill");
    fill.style.width = `${(100 * r.progress).toFixed(1)}%`;
    bar.append(fill);
    bar.title = `${(100 * r.progress).toFixed(0)}% of ${r.epochs} epochs × ${r.seeds} seeds`;
    box.append(bar);
  }
  return box;
}

function nameCell(r) {
  const box = el("div");
  const link = el("a", "", r.name || r.id);
  link.href = `/runs/${encodeURIComponent(r.id)}`;
  box.append(link, el("div", "muted small mono", r.id));
  if (r.tags?.length) {
    const tags = el("div", "tags");
    for (const t of r.tags) tags.append(el("span", "tag", t));
    box.append(tags);
  }
  return box;
}

function statusCell(r) {
  const box = el("span");
  box.append(statusBadge(r.status));
  if (r.error) box.title = r.error;
  if (r.pluginErrors) {
    box.append(
      el("span", "warn small", ` ${r.pluginErrors} plugin error${r.pluginErrors > 1 ? "s" : ""}`),
    );
  }
  return box;
}

/** Whether run summary `r` passes the filter {text, status}. */
export function runMatches(r, filter) {
  if (filter.status && r.status !== filter.status) return false;
  const q = filter.text.trim().toLowerCase();
  if (!q) return true;
  const hay = [r.name, r.id, r.data, r.model, ...(r.tags ?? []), ...r.plugins].join(" ")
    .toLowerCase();
  return q.split(/\s+/).every((w) => hay.includes(w));
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
  // Actions on the selected runs: tags, delete (each asks first; the server checks who asks).
  const tagBtn = el("button", "btn tag-selected", "Tag…");
  const delBtn = el("button", "btn stop delete-selected", "Delete…");
  const actionMsg = el("span", "form-msg small");
  tagBtn.disabled = delBtn.disabled = true;
  const act = async (fn) => {
    actionMsg.className = "form-msg small";
    actionMsg.textContent = "";
    try {
      actionMsg.textContent = await fn();
    } catch (e) {
      actionMsg.className = "form-msg small error";
      actionMsg.textContent = e.message;
    }
    await refresh().catch(() => {});
  };
  tagBtn.addEventListener("click", () =>
    act(async () => {
      const ids = [...selected];
      const common = runs.filter((r) => selected.has(r.id)).map((r) => r.tags ?? [])
        .reduce((a, b) => a.filter((t) => b.includes(t)));
      const text = prompt(
        `Tags for ${ids.length} run${ids.length > 1 ? "s" : ""} (separated by spaces; ` +
          "replaces their tags):",
        common.join(" "),
      );
      if (text === null) return "";
      const tags = text.split(/[\s,]+/).filter(Boolean);
      for (const id of ids) await setRunTags(id, tags);
      return `Tagged ${ids.length} run${ids.length > 1 ? "s" : ""}.`;
    }));
  delBtn.addEventListener("click", () =>
    act(async () => {
      const ids = [...selected];
      const names = runs.filter((r) => selected.has(r.id)).map((r) => r.name || r.id);
      const ok = confirm(
        `Delete ${ids.length} run${ids.length > 1 ? "s" : ""} and everything stored with ` +
          `${ids.length > 1 ? "them" : "it"}? This cannot be undone.\n\n${names.join("\n")}`,
      );
      if (!ok) return "";
      for (const id of ids) {
        await deleteRun(id);
        selected.delete(id);
      }
      return `Deleted ${ids.length} run${ids.length > 1 ? "s" : ""}.`;
    }));
  const actions = el("div", "run-actions");
  actions.append(actionMsg, tagBtn, delBtn, compare);
  head.append(actions);
  main.append(head);

  // Filters: words matched against name, id, data, model, tags and plugins; a status.
  const filter = { text: "", status: "" };
  const sweepsLine = el("div", "sweeps-line small");
  main.append(sweepsLine);
  getJSON("/api/sweeps").then(({ sweeps }) => {
    if (!sweeps.length) return;
    sweepsLine.append(el("span", "muted", "Sweeps: "));
    for (const sw of sweeps) {
      const a = el("a", "sweep-link", `${sw.name} (${sw.runs})`);
      a.href = `/sweeps/${encodeURIComponent(sw.name)}`;
      sweepsLine.append(a, document.createTextNode(" "));
    }
  }).catch(() => {});
  const bar = el("div", "runs-filter");
  const search = el("input", "run-search");
  search.type = "search";
  search.placeholder = "Filter by name, tag, data, model, plugin…";
  const statusSel = el("select", "status-filter");
  for (const st of ["", "running", "queued", "completed", "interrupted", "failed"]) {
    statusSel.append(new Option(st || "any status", st));
  }
  const count = el("span", "muted small run-count");
  bar.append(search, statusSel, count);
  main.append(bar);

  let runs = [];
  let shown = [];
  const all = el("input", "select-all");
  all.type = "checkbox";
  all.setAttribute("aria-label", "select all shown runs");
  const syncSelection = () => {
    tagBtn.disabled = delBtn.disabled = selected.size === 0;
    compare.disabled = selected.size < 2;
    compare.textContent = selected.size >= 2 ? `Compare ${selected.size} runs` : "Compare selected";
    all.checked = shown.length > 0 && shown.every((r) => selected.has(r.id));
    all.indeterminate = !all.checked && shown.some((r) => selected.has(r.id));
  };
  const pickCell = (r) => {
    const pick = el("input");
    pick.type = "checkbox";
    pick.checked = selected.has(r.id);
    pick.setAttribute("aria-label", `select ${r.name}`);
    pick.addEventListener("change", () => {
      if (pick.checked) selected.add(r.id);
      else selected.delete(r.id);
      syncSelection();
    });
    return pick;
  };
  const table = sortableTable([
    { key: "pick", label: "", head: all, cell: pickCell, className: "pick" },
    { key: "name", label: "Run", value: (r) => r.name || r.id, cell: nameCell },
    { key: "status", label: "Status", value: (r) => r.status, cell: statusCell },
    { key: "data", label: "Data", value: (r) => r.data },
    { key: "model", label: "Model", value: (r) => r.model },
    { key: "seeds", label: "Seeds", num: true, value: (r) => r.seeds || null },
    {
      key: "epochs",
      label: "Epochs",
      num: true,
      value: (r) => r.epochsDone ?? r.epochs,
      cell: progressCell,
    },
    {
      key: "loss",
      label: "Final loss",
      num: true,
      value: (r) => r.finalLoss,
      cell: (r) => fmtNum(r.finalLoss),
    },
    {
      key: "accuracy",
      label: "Final acc.",
      num: true,
      value: (r) => r.finalAccuracy,
      cell: (r) => fmtNum(r.finalAccuracy),
    },
    { key: "plugins", label: "Plugins", value: (r) => r.plugins.join(", "), className: "small" },
    {
      key: "duration",
      label: "Duration",
      num: true,
      value: (r) => r.durationS,
      cell: (r) => formatDuration(r.durationS),
    },
    {
      key: "started",
      label: "Started",
      value: (r) => r.createdAt,
      cell: (r) => formatTime(r.createdAt),
      className: "small",
    },
  ], { className: "runs", rowAttrs: (r, tr) => (tr.dataset.runId = r.id) });
  all.addEventListener("change", () => {
    for (const r of shown) {
      if (all.checked) selected.add(r.id);
      else selected.delete(r.id);
    }
    draw();
  });
  const tableCard = el("div", "card table-card");
  const empty = el("p", "muted empty-row");
  tableCard.append(table.el, empty);
  main.append(tableCard);
  main.append(newRunForm((id) => (location.href = `/runs/${encodeURIComponent(id)}`)));

  function draw() {
    shown = runs.filter((r) => runMatches(r, filter));
    table.setRows(shown);
    empty.hidden = shown.length > 0;
    empty.textContent = runs.length
      ? "No run matches the filter."
      : "No runs yet. Start one below, or with `lens run config.yaml`.";
    count.textContent = `${shown.length} of ${runs.length} runs`;
    syncSelection();
  }
  search.addEventListener("input", () => {
    filter.text = search.value;
    draw();
  });
  statusSel.addEventListener("change", () => {
    filter.status = statusSel.value;
    draw();
  });
  const refresh = async () => {
    runs = (await getJSON("/api/runs")).runs;
    draw();
    return runs.some((r) => r.status === "running" || r.status === "starting");
  };
  const loop = async () => {
    const busy = await refresh().catch(() => true);
    setTimeout(loop, busy ? 2000 : 10000);
  };
  await refresh();
  setTimeout(loop, 2000);
}
