// Entry point: picks the page from the path (/, /runs/:id, /compare).
import { showRunsPage } from "./pages/runs.js";
import { showRunPage } from "./pages/run.js";
import { showComparePage } from "./pages/compare.js";

const main = document.getElementById("main");
const path = location.pathname;
const runMatch = /^\/runs\/([^/]+)\/?$/.exec(path);

function fail(e) {
  main.innerHTML = "";
  const p = document.createElement("p");
  p.className = "error";
  p.textContent = `Could not load this page: ${e.message}`;
  main.append(p);
}

if (runMatch) showRunPage(main, decodeURIComponent(runMatch[1])).catch(fail);
else if (path === "/compare") {
  const ids = (new URLSearchParams(location.search).get("runs") ?? "").split(",").filter(Boolean);
  showComparePage(main, ids).catch(fail);
} else showRunsPage(main).catch(fail);
