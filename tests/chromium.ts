/**
 * How the browser tests (and the dashboard benchmark) start Debian's
 * chromium through playwright-core: headless, sandbox off (containers), no
 * GPU, no background network traffic, no omnibox WebUI renderers.
 *
 * @module
 */

/** Debian's chromium. */
export const CHROMIUM = "/usr/bin/chromium";

/**
 * Command-line flags for a quiet headless chromium. Without its omnibox
 * popups: chromium 156 builds them as WebUI pages (a renderer of their own)
 * for every new window, so every browser context of a test, about 1.5 s
 * of CPU each that a page under test then shares its cores with.
 */
export const LAUNCH_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-features=WebUIOmniboxPopup,WebUIOmniboxAimPopup,WebUIOmniboxFullPopup",
];
