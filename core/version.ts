/** The layerlens version recorded with every run. */
export const LAYERLENS_VERSION = "0.1.0";
