// Entry point: picks the page from the path (/, /runs/:id, /compare, /sweeps/:name).
import { showRunsPage } from "./pages/runs.js";
import { showRunPage } from "./pages/run.js";
import { showComparePage } from "./pages/compare.js";
import { showSweepPage } from "./pages/sweep.js";
import { loadCharts } from "./chart_lib.js";
import { startPreloaded } from "./api.js";

// the page's first answers, asked for before the page code waits on any of them
startPreloaded();

const main = document.getElementById("main");
const path = location.pathname;
const runMatch = /^\/runs\/([^/]+)\/?$/.exec(path);
const sweepMatch = /^\/sweeps\/([^/]+)\/?$/.exec(path);

function fail(e) {
  main.innerHTML = "";
  const p = document.createElement("p");
  p.className = "error";
  p.textContent = `Could not load this page: ${e.message}`;
  main.append(p);
}

if (runMatch) showRunPage(main, decodeURIComponent(runMatch[1])).catch(fail);
else if (sweepMatch) showSweepPage(main, decodeURIComponent(sweepMatch[1])).catch(fail);
else if (path === "/compare") {
  const ids = (new URLSearchParams(location.search).get("runs") ?? "").split(",").filter(Boolean);
  showComparePage(main, ids).catch(fail);
} else showRunsPage(main).catch(fail);

// Pages with charts: the chart library starts while the page waits for its
// data. A failure is shown on each chart card, which asks again (chart_lib.js).
if (runMatch || sweepMatch || path === "/compare") {
  loadCharts().catch((e) => console.error(`layerlens: ${e.message}`));
}
