/**
 * Training progress for the terminal. On a TTY a single bar line is redrawn
 * in place (seed i/n, epoch, loss, accuracy, ETA); elsewhere (a log file, a
 * pipe, the server's child processes) plain lines are written at most every
 * ~2 s, plus one when a seed reaches its last epoch. The text comes from
 * {@link formatProgress}, a pure function; {@link createProgressReporter}
 * only decides when to write it.
 *
 * @module
 */

/** Progress of one seed at the end of an epoch (what the engine's `onEpoch` hands over). */
export interface EpochProgress {
  /** The seed. */
  seed: number;
  /** Position of the seed in the config's `seeds` (0-based). */
  seedIndex: number;
  /** Number of seeds in the run. */
  seeds: number;
  /** Epoch (0-based) that ended. */
  epoch: number;
  /** Number of epochs each seed trains. */
  epochs: number;
  /** Mean training cross-entropy loss (nats) of the epoch. */
  loss: number;
  /** Training accuracy (0..1) of the epoch. */
  accuracy: number;
  /** Seconds since the run started (data loading included). */
  elapsedS: number;
  /** The epoch was sampled (activations captured, plugins fed). */
  sampled: boolean;
  /** Sampled epochs after this one (what the progress ETA weighs). */
  sampledLeft: number;
}

/**
 * What the progress reporter needs of an epoch: {@link EpochProgress} where
 * `sampled` and `sampledLeft` may be unknown (absent: the ETA is linear).
 */
export type EpochUpdate =
  & Omit<EpochProgress, "sampled" | "sampledLeft">
  & Partial<Pick<EpochProgress, "sampled" | "sampledLeft">>;

/** What one progress line shows. */
export interface ProgressView {
  /** Seed label, e.g. `seed 2/5` or `seeds 1-5/5` when seeds train together. */
  seedLabel: string;
  /** Epoch just finished, 0-based. */
  epoch: number;
  epochs: number;
  loss: number;
  accuracy: number;
  /** Share of all (seed, epoch) steps done, 0..1. */
  fraction: number;
  elapsedS: number;
  /** Seconds left as the schedule predicts (see {@link createProgressTracker}); absent: linear. */
  etaS?: number;
}

/** `83` -> `1m23s`, `4000` -> `1h06m`; `--` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "--";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** Seconds left, extrapolating the time so far linearly; NaN before 1% is done (too early). */
export function etaSeconds(fraction: number, elapsedS: number): number {
  if (!(fraction >= 0.01)) return NaN;
  if (fraction >= 1) return 0;
  return elapsedS * (1 - fraction) / fraction;
}

/**
 * One progress line. With `bar` a 20-cell bar is drawn (TTY); without it
 * the line suits a log file.
 *
 * @example
 * ```ts
 * formatProgress({ seedLabel: "seed 1/2", epoch: 99, epochs: 200, loss: 0.5, accuracy: 0.75,
 *   fraction: 0.25, elapsedS: 10 }, { bar: false });
 * // "seed 1/2  epoch 100/200  25.0%  loss 0.5000  acc 0.750  elapsed 10s  ETA 30s"
 * ```
 */
export function formatProgress(
  v: ProgressView,
  opts: { bar: boolean; width?: number },
): string {
  const f = Math.min(1, Math.max(0, v.fraction));
  const eta = v.etaS ?? etaSeconds(f, v.elapsedS);
  const line = (cells: number, elapsed: boolean, label = true) => {
    const parts = [...(label ? [v.seedLabel] : []), `epoch ${v.epoch + 1}/${v.epochs}`];
    const pct = `${(f * 100).toFixed(1)}%`;
    if (cells > 0) {
      const full = Math.round(f * cells);
      parts.push(`[${"#".repeat(full)}${".".repeat(cells - full)}] ${pct}`);
    } else parts.push(pct);
    parts.push(`loss ${v.loss.toFixed(4)}`, `acc ${v.accuracy.toFixed(3)}`);
    if (elapsed) parts.push(`elapsed ${formatDuration(v.elapsedS)}`);
    parts.push(`ETA ${formatDuration(eta)}`);
    return parts.join("  ");
  };
  if (!opts.bar) return line(0, true);
  const width = opts.width ?? Infinity;
  // narrow terminals: a shorter bar, then no elapsed time, no bar, no seed label; loss, accuracy
  // and ETA stay
  const steps = [[20, true, true], [10, true, true], [10, false, true], [0, false, true], [
    0,
    false,
    false,
  ]] as const;
  for (const [cells, elapsed, label] of steps) {
    const text = line(cells, elapsed, label);
    if (text.length <= width) return text;
  }
  return line(0, false, false).slice(0, width);
}

/**
 * Turns epoch updates (possibly of interleaved seeds) into views: the share
 * done counts every seed's finished epochs, and seeds that are mid-way
 * together are shown as a range.
 *
 * The ETA follows the sampling schedule when updates say which epochs are
 * sampled: the time between updates is charged to sampled or plain
 * (seed, epoch) steps, whose mean costs (the sampled ones include
 * capturing activations and the plugins' measured work) times the steps
 * left of each kind give the time left. A log schedule samples densely at
 * first, so extrapolating the first minutes linearly overestimates a run
 * many times; until a plain epoch has been seen the ETA is linear.
 */
export function createProgressTracker(): { update(u: EpochUpdate): ProgressView } {
  const doneEpochs = new Map<number, number>(); // seedIndex -> epochs finished
  const left = new Map<number, { plain: number; sampled: number }>(); // seedIndex -> steps left
  const sampledDone = new Map<number, number>(); // seedIndex -> sampled epochs finished
  const cost = { plain: 0, plainN: 0, sampled: 0, sampledN: 0 };
  let lastElapsed: number | undefined;
  return {
    update(u) {
      if (u.sampled !== undefined && u.sampledLeft !== undefined) {
        const dt = lastElapsed === undefined ? u.elapsedS : Math.max(0, u.elapsedS - lastElapsed);
        if (u.sampled) {
          sampledDone.set(u.seedIndex, (sampledDone.get(u.seedIndex) ?? 0) + 1);
          cost.sampled += dt;
          cost.sampledN++;
        } else {
          cost.plain += dt;
          cost.plainN++;
        }
        const rest = u.epochs - 1 - u.epoch;
        left.set(u.seedIndex, { plain: rest - u.sampledLeft, sampled: u.sampledLeft });
      }
      lastElapsed = u.elapsedS;
      doneEpochs.set(u.seedIndex, u.epoch + 1);
      let done = 0;
      const active: number[] = [];
      for (const [i, n] of doneEpochs) {
        done += n;
        if (n < u.epochs) active.push(i);
      }
      active.sort((a, b) => a - b);
      const seedLabel = active.length > 1
        ? `seeds ${active[0] + 1}-${active[active.length - 1] + 1}/${u.seeds}`
        : `seed ${u.seedIndex + 1}/${u.seeds}`;
      const view: ProgressView = {
        seedLabel,
        epoch: u.epoch,
        epochs: u.epochs,
        loss: u.loss,
        accuracy: u.accuracy,
        fraction: done / (u.seeds * u.epochs),
        elapsedS: u.elapsedS,
      };
      if (cost.plainN > 0 && left.size > 0) {
        const plainCost = cost.plain / cost.plainN;
        const sampledCost = cost.sampledN ? cost.sampled / cost.sampledN : plainCost;
        let plain = 0, sampled = 0;
        for (const l of left.values()) {
          plain += l.plain;
          sampled += l.sampled;
        }
        // seeds not started yet (trained one after another): a whole schedule each
        const unseen = u.seeds - doneEpochs.size;
        if (unseen > 0) {
          const perSeed = (sampledDone.get(u.seedIndex) ?? 0) + (u.sampledLeft ?? 0);
          sampled += unseen * perSeed;
          plain += unseen * (u.epochs - perSeed);
        }
        view.etaS = plain * plainCost + sampled * sampledCost;
      }
      return view;
    },
  };
}

/** Writes progress and messages without garbling the bar. */
export interface ProgressReporter {
  /** Called at the end of every epoch of every seed. */
  update(u: EpochUpdate): void;
  /** A message line (the bar is cleared first and redrawn after). */
  log(message: string): void;
  /** Ends the bar line. */
  done(): void;
}

/** Options of {@link createProgressReporter}. */
export interface ReporterOptions {
  /** Redraw a bar in place (default: whether stderr is a terminal). */
  tty?: boolean;
  /** Where text goes (default: stderr). */
  write?: (text: string) => void;
  /** Seconds between plain lines (default 2). */
  intervalS?: number;
  /** Clock in seconds (default performance.now() / 1000). */
  now?: () => number;
}

/**
 * A reporter writing to stderr.
 *
 * @example
 * ```ts
 * const progress = createProgressReporter();
 * await runExperiment({ config, store, registry, onEpoch: progress.update, log: progress.log });
 * progress.done();
 * ```
 */
export function createProgressReporter(opts: ReporterOptions = {}): ProgressReporter {
  const encoder = new TextEncoder();
  const write = opts.write ?? ((t: string) => void Deno.stderr.writeSync(encoder.encode(t)));
  const tty = opts.tty ?? Deno.stderr.isTerminal();
  const now = opts.now ?? (() => performance.now() / 1000);
  const interval = opts.intervalS ?? 2;
  const redrawS = 0.1;
  const tracker = createProgressTracker();
  let last: ProgressView | undefined;
  let lastWrite = -Infinity;
  let barShown = false;

  const draw = (v: ProgressView) => {
    const columns = (() => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 0;
      }
    })();
    const width = columns > 0 ? Math.max(40, columns - 1) : 120;
    write(`\r${formatProgress(v, { bar: true, width })}\x1b[K`);
    barShown = true;
  };

  return {
    update(u) {
      const v = tracker.update(u);
      last = v;
      const t = now();
      const lastEpoch = u.epoch === u.epochs - 1;
      if (tty) {
        if (t - lastWrite >= redrawS || (lastEpoch && v.fraction >= 1)) {
          draw(v);
          lastWrite = t;
        }
      } else if (t - lastWrite >= interval || lastEpoch) {
        write(formatProgress(v, { bar: false }) + "\n");
        lastWrite = t;
      }
    },
    log(message) {
      if (tty && barShown) write("\r\x1b[K");
      write(message + "\n");
      if (tty && last) draw(last);
    },
    done() {
      if (tty && barShown) write("\n");
      barShown = false;
      last = undefined;
    },
  };
}
