// Tick labels of linear axes, written as Chart.js's default formatter
// writes them for English (decimals from the spacing of the ticks,
// thousands grouped, scientific beyond 1e15 or below 1e-4) but without
// Intl: a page's first Intl number format costs tens of ms, and every
// linear axis of every chart would make one.

/** Groups the thousands of a string of digits: "1234567" -> "1,234,567". */
function grouped(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/**
 * The label of tick `value` among `ticks` ({value}[], Chart.js's
 * `ticks.callback` arguments).
 */
export function linearTick(value, _index, ticks) {
  if (value === 0) return "0";
  let delta = value;
  let scientific = false;
  if (ticks.length > 1) {
    const max = Math.max(Math.abs(ticks[0].value), Math.abs(ticks[ticks.length - 1].value));
    scientific = max < 1e-4 || max > 1e15;
    delta = ticks.length > 3 ? ticks[2].value - ticks[1].value : ticks[1].value - ticks[0].value;
    if (Math.abs(delta) >= 1 && value !== Math.floor(value)) delta = value - Math.floor(value);
  }
  const log = Math.log10(Math.abs(delta));
  const decimals = Number.isNaN(log) ? 1 : Math.max(Math.min(-Math.floor(log), 20), 0);
  if (scientific) {
    const [m, e] = value.toExponential().split("e");
    const mant = Number(m).toFixed(Math.min(decimals, 3)).replace(/\.?0+$/, "");
    return `${mant}E${Number(e)}`;
  }
  // rounded half away from zero on the decimal digits, as Intl does (0.075 -> 0.08;
  // toFixed alone sees the binary 0.07499... and gives 0.07)
  const abs = Math.abs(value);
  const rounded = Number(`${Math.round(Number(`${abs}e${decimals}`))}e-${decimals}`);
  const [int, frac] = (Number.isFinite(rounded) ? rounded : abs).toFixed(decimals).split(".");
  const sign = value < 0 && /[1-9]/.test(int + (frac ?? "")) ? "-" : "";
  return `${sign}${grouped(int)}${frac === undefined ? "" : `.${frac}`}`;
}
