/** Types of tick_labels.js for tests that import it. */
export function linearTick(value: number, index: number, ticks: { value: number }[]): string;
