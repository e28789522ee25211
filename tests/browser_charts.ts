/**
 * Reading a dashboard chart from a playwright page: the datasets of the
 * chart card titled `title`, once it has points (the chart library loads
 * beside the first API calls, so `Chart` may not exist yet).
 */
import type { Page } from "../deps/playwright_core.ts";

/** One dataset of a drawn chart. */
export interface DrawnDataset {
  label: string;
  /** Drawn over the chart's own series (an IB bound, a family's ceiling). */
  overlay: boolean;
  points: { x: number; y: number }[];
}

/** The datasets of the chart titled `title`, waiting until one has points. */
export async function chartDatasets(
  page: Page,
  title: string,
  timeoutMs = 20000,
): Promise<DrawnDataset[]> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const sets = await page.evaluate(`(() => {
      const c = [...document.querySelectorAll("canvas")].find((c) =>
        c.closest(".chart-card")?.querySelector("h3")?.textContent === ${JSON.stringify(title)});
      const ch = c && globalThis.Chart?.getChart(c);
      if (!ch || !ch.data.datasets.some((d) => d.data.length > 0)) return null;
      return ch.data.datasets.map((d) => ({ label: String(d.label), overlay: !!d.overlay,
        points: d.data.map((p) => ({ x: p.x, y: p.y })) }));
    })()`) as DrawnDataset[] | null;
    if (sets) return sets;
    await page.waitForTimeout(100);
  }
  throw new Error(`chart "${title}" has no points`);
}
