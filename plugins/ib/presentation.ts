/**
 * How the Information Bottleneck plugins present themselves: `ib-bound`
 * draws its curve over the information planes of the estimators and sits
 * in their tab; `phases` prints its table in `lens show`, marks the SNR
 * transition on the gradient charts and sits in their tab.
 *
 * @module
 */
import type { Presentation } from "../../core/types.ts";
import { GRADIENTS_TAB, INFOPLANE_TAB } from "../infoplane/presentation.ts";
import { formatPhasesTable } from "./phases_table.ts";

/** `ib-bound`: the IB curve over every information plane of mi-binned and mi-kde. */
export const IB_BOUND_PRESENTATION: Presentation = {
  tab: INFOPLANE_TAB,
  decorations: [{
    kind: "overlay",
    on: ["mi-binned", "mi-kde"],
    x: "ib_ixt",
    y: "ib_ity",
    label: "IB bound",
  }],
};

/** `phases`: its table, and SNR transition markers on the gradient SNR charts. */
export const PHASES_PRESENTATION: Presentation = {
  tab: GRADIENTS_TAB,
  tables: [{ id: "phases", format: formatPhasesTable }],
  decorations: [{
    kind: "markers",
    on: ["grad-snr"],
    metric: "snr_transition_epoch",
    label: "SNR transition",
  }],
};
