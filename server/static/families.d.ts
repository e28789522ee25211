/** Types of families.js for the server (server/first_charts.ts) and tests. */
export interface Tab {
  id: string;
  title: string;
  plugins: string[];
}
export function tabsFor(
  pluginIds: Iterable<string>,
  plugins?: Map<
    string,
    { charts?: unknown[]; tab?: { id?: string; title?: string; order?: number } | null }
  >,
): Tab[];
