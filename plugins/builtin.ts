/**
 * The plugins that ship with layerlens. Each family adds its plugin objects
 * here; nothing else in the core knows their names.
 *
 * @module
 */
import { boostPlugin } from "./complexity/boost_plugin.ts";
import { disentanglePlugin } from "./complexity/disentangle_plugin.ts";
import { kdCompressionPlugin } from "./complexity/kd_compression_plugin.ts";
import { reliabilityPlugin } from "./complexity/reliability_plugin.ts";
import { shapleyEffectivenessPlugin } from "./complexity/shapley_effectiveness_plugin.ts";
import { shapleyOverfittingPlugin } from "./complexity/shapley_overfitting_plugin.ts";
import { ibBoundPlugin } from "./ib/bound_plugin.ts";
import { ibConsistencyPlugin } from "./ib/consistency_plugin.ts";
import { phasesPlugin } from "./ib/phases_plugin.ts";
import { gradSnrPlugin } from "./infoplane/grad_snr_plugin.ts";
import { miBinnedPlugin } from "./infoplane/mi_binned_plugin.ts";
import { miKdePlugin } from "./infoplane/mi_kde_plugin.ts";
import { miKsgPlugin } from "./infoplane/mi_ksg_plugin.ts";
import { miNoisyPlugin } from "./infoplane/mi_noisy_plugin.ts";
import type { Plugin } from "../core/types.ts";

/** Every built-in plugin, in no particular order (the registry orders by dependency). */
export function builtinPlugins(): Plugin[] {
  return [
    disentanglePlugin,
    reliabilityPlugin,
    shapleyEffectivenessPlugin,
    shapleyOverfittingPlugin,
    boostPlugin,
    kdCompressionPlugin,
    miBinnedPlugin,
    miKdePlugin,
    miKsgPlugin,
    miNoisyPlugin,
    gradSnrPlugin,
    ibBoundPlugin,
    ibConsistencyPlugin,
    phasesPlugin,
  ];
}
