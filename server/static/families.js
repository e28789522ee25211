// Groups plugins into the run page's tabs. Known families get a shared
// tab; any other plugin (a custom one) gets a tab of its own, so it shows
// up without changes here.

const FAMILIES = [
  {
    id: "infoplane",
    title: "Information plane",
    plugins: ["mi-binned", "mi-kde", "ib-bound", "ib-consistency"],
  },
  { id: "gradients", title: "Gradient SNR", plugins: ["grad-snr", "phases"] },
  {
    id: "complexity",
    title: "Feature complexity",
    plugins: [
      "disentangle",
      "reliability",
      "shapley-effectiveness",
      "shapley-overfitting",
      "boost",
      "kd-compression",
    ],
  },
];

/**
 * Tabs for a set of plugin ids, in family order: [{id, title, plugins}],
 * each family listing only the plugins present. `plugins` (id -> plugin
 * with chart specs) places a chartless plugin that another's chart draws
 * as its overlay in that plugin's tab; other plugins follow, those with
 * charts first.
 */
export function tabsFor(pluginIds, plugins = new Map()) {
  const ids = new Set(pluginIds);
  const tabs = [];
  const placed = new Set();
  for (const f of FAMILIES) {
    const present = f.plugins.filter((p) => ids.has(p));
    present.forEach((p) => placed.add(p));
    if (present.length) tabs.push({ id: f.id, title: f.title, plugins: present });
  }
  // plugins whose presentation names a tab: into that tab (a family's, or a new one)
  const declared = [];
  for (const id of [...ids].sort()) {
    const tab = plugins.get(id)?.tab;
    if (placed.has(id) || !tab?.id) continue;
    placed.add(id);
    let t = tabs.find((x) => x.id === tab.id);
    if (!t) {
      t = { id: tab.id, title: tab.title ?? tab.id, plugins: [], order: tab.order ?? 100 };
      declared.push(t);
    }
    t.plugins.push(id);
  }
  declared.sort((a, b) => a.order - b.order || a.title.localeCompare(b.title));
  for (const t of declared) tabs.push({ id: t.id, title: t.title, plugins: t.plugins });
  const hasCharts = (id) => (plugins.get(id)?.charts?.length ?? 0) > 0;
  const host = new Map();
  for (const id of ids) {
    for (const c of plugins.get(id)?.charts ?? []) {
      if (c.overlay && ids.has(c.overlay.plugin) && !hasCharts(c.overlay.plugin)) {
        host.set(c.overlay.plugin, id);
      }
    }
  }
  const rest = [...ids].filter((p) => !placed.has(p) && !host.has(p))
    .sort((a, b) => Number(hasCharts(b)) - Number(hasCharts(a)) || a.localeCompare(b));
  for (const p of rest) tabs.push({ id: `plugin-${p}`, title: p, plugins: [p] });
  for (const [guest, owner] of host) {
    if (placed.has(guest)) continue;
    const tab = tabs.find((t) => t.plugins.includes(owner));
    if (tab) tab.plugins.push(guest);
    else tabs.push({ id: `plugin-${guest}`, title: guest, plugins: [guest] });
  }
  return tabs;
}
