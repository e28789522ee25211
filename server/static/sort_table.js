// A table whose columns sort on a click of their header (again: the other
// way). Columns: [{key, label, value(row) -> number | string | null,
// cell(row) -> Node | string, num}]; empty values sort last either way.

import { el } from "./dom.js";

function compare(a, b) {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/**
 * Builds the table into a new element; returns {el, setRows(rows),
 * sortBy(key, dir)}. `opts.rowAttrs(row, tr)` decorates each row;
 * `opts.className` is the table's class.
 */
export function sortableTable(columns, opts = {}) {
  const table = el("table", opts.className ?? "sortable");
  const thead = el("thead");
  const hr = el("tr");
  const tbody = el("tbody");
  table.append(thead, tbody);
  thead.append(hr);
  let rows = [];
  let sort = opts.sort ?? null; // {key, dir: 1 | -1}
  const ths = new Map();
  for (const c of columns) {
    const th = el("th", c.num ? "num" : "", c.label);
    if (c.value) {
      th.classList.add("sortable-col");
      th.dataset.key = c.key;
      th.title = `Sort by ${c.label}`;
      th.addEventListener("click", () => {
        sortBy(c.key, sort?.key === c.key ? -sort.dir : c.num ? -1 : 1);
      });
    }
    if (c.head) th.replaceChildren(c.head);
    if (c.title) th.title = c.title;
    ths.set(c.key, th);
    hr.append(th);
  }
  const draw = () => {
    let list = rows;
    if (sort) {
      const col = columns.find((c) => c.key === sort.key);
      list = [...rows].sort((a, b) => {
        const va = col.value(a), vb = col.value(b);
        const ea = va === null || va === undefined || va === "",
          eb = vb === null ||
            vb === undefined || vb === "";
        if (ea || eb) return Number(ea) - Number(eb);
        return sort.dir * compare(va, vb);
      });
    }
    for (const [key, th] of ths) {
      th.classList.toggle("sorted-asc", sort?.key === key && sort.dir === 1);
      th.classList.toggle("sorted-desc", sort?.key === key && sort.dir === -1);
      if (sort?.key === key) {
        th.setAttribute("aria-sort", sort.dir === 1 ? "ascending" : "descending");
      } else th.removeAttribute("aria-sort");
    }
    tbody.replaceChildren(...list.map((r) => {
      const tr = el("tr");
      for (const c of columns) {
        const td = el("td", c.num ? "num" : c.className ?? "");
        const v = c.cell ? c.cell(r) : c.value?.(r);
        if (v instanceof Node) td.append(v);
        else td.textContent = v === null || v === undefined ? "–" : String(v);
        tr.append(td);
      }
      opts.rowAttrs?.(r, tr);
      return tr;
    }));
  };
  const sortBy = (key, dir = 1) => {
    sort = { key, dir };
    draw();
  };
  return {
    el: table,
    setRows(next) {
      rows = next;
      draw();
    },
    sortBy,
  };
}

/** A number for a table cell: 4 significant digits, "–" for none. */
export function fmtNum(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(4)));
}

/**
 * Table columns for the plugins' sweep column groups (`heads`: [{id,
 * headers, title}] from the API): cell k of group id in `cellsOf(row)`
 * (a list of rows' {id, text} groups, pooled: numbers averaged, else the
 * first text). Header titles carry the group's title.
 */
export function pluginColumns(heads, cellsOf) {
  return heads.flatMap((h) =>
    h.headers.map((header, k) => {
      const text = (row) => {
        const cells = cellsOf(row).map((cs) => cs?.find((c) => c.id === h.id)?.text?.[k])
          .filter((t) => t !== undefined && t !== null);
        if (!cells.length) return null;
        const nums = cells.map(Number);
        if (nums.every(Number.isFinite)) {
          return nums.length === 1 ? nums[0] : nums.reduce((a, b) => a + b, 0) / nums.length;
        }
        return cells[0];
      };
      return {
        key: `${h.id}:${k}`,
        label: header,
        title: h.title,
        num: true,
        value: text,
        cell: (row) => {
          const v = text(row);
          return typeof v === "number" ? fmtNum(v) : v ?? "–";
        },
      };
    })
  );
}
