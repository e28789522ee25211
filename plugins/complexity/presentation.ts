/**
 * How the feature-complexity family presents itself: one dashboard tab for
 * all of its plugins and one `lens show` table per analysed feature (order
 * by metric, mean over seeds; complexity_table.ts).
 *
 * @module
 */
import type { Presentation } from "../../core/types.ts";
import { formatComplexityTable } from "./complexity_table.ts";

/** Shared by every plugin of the family (the table is printed once). */
export const COMPLEXITY_PRESENTATION: Presentation = {
  tab: { id: "complexity", title: "Feature complexity", order: 30 },
  tables: [{ id: "feature-complexity", format: formatComplexityTable }],
};
