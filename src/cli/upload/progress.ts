// Progress of an upload: a live bar on a terminal (cli-progress), a plain line every few seconds
// otherwise (a log, CI), both on stderr so that stdout holds only the summary. Everything shown is
// settled (a checkpoint has passed it): the percentage is how far into the file the settled rows
// reach, so it says 100% only when the last row is settled, and the ETA comes from how fast rows
// settle in this run (rows an earlier run settled are skipped in no time and do not count). Every
// line fits 80 columns.
import cliProgress from 'cli-progress';
import { count, duration } from '../format.js';

export interface ProgressSnapshot {
  /** Rows settled in this run, skipped ones included, and how many of them an earlier run had settled. */
  rows: number;
  skipped: number;
  /** Accepted and refused rows, every run of this upload. */
  accepted: number;
  refused: number;
  /** Where the last settled row ends in the file. @unit bytes */
  bytes: number;
}

export interface ProgressView {
  update(snapshot: ProgressSnapshot): void;
  /** `complete`: every row is settled (the line says 100%). */
  stop(complete?: boolean): void;
}

export interface ProgressOptions {
  out: NodeJS.WritableStream & { columns?: number };
  tty: boolean;
  totalBytes: number;
  now?: () => number;
  /** Between two plain lines. @unit milliseconds @default 5000 */
  intervalMs?: number;
}

const WIDTH = 80;

/** What a line shows, from the snapshots so far. */
export class ProgressFigures {
  last: ProgressSnapshot = { rows: 0, skipped: 0, accepted: 0, refused: 0, bytes: 0 };
  #lastAt: number;
  // The last snapshot before this run settled a row of its own: rates are measured from there.
  #base: ProgressSnapshot | undefined;
  #baseAt = 0;

  constructor(
    readonly totalBytes: number,
    startedAt: number,
  ) {
    this.#lastAt = startedAt;
  }

  update(s: ProgressSnapshot, now: number): void {
    if (this.#base === undefined && s.rows > s.skipped) {
      this.#base = this.last;
      this.#baseAt = this.#lastAt;
    }
    this.last = s;
    this.#lastAt = now;
  }

  fraction(complete: boolean): number {
    if (complete) return 1;
    return this.totalBytes === 0 ? 0 : Math.min(this.last.bytes / this.totalBytes, 0.999);
  }

  /** Rows this run settled per second. */
  rate(now: number): number {
    const seconds = (now - this.#baseAt) / 1000;
    return this.#base === undefined || seconds <= 0 ? 0 : (this.last.rows - this.#base.rows) / seconds;
  }

  /** Seconds left, or NaN while unknown (nothing of this run's own settled yet). */
  eta(now: number, complete: boolean): number {
    if (complete) return 0;
    const seconds = (now - this.#baseAt) / 1000;
    if (this.#base === undefined || seconds <= 0) return Number.NaN;
    const perSecond = (this.last.bytes - this.#base.bytes) / seconds;
    return perSecond > 0 ? (this.totalBytes - this.last.bytes) / perSecond : Number.NaN;
  }

  /** The figures after the percentage and bar: `12,300 accepted · 45 refused · 1,234/s · ETA 1m05s`. */
  text(now: number, complete: boolean): string {
    const eta = this.eta(now, complete);
    return `${count(this.last.accepted)} accepted · ${count(this.last.refused)} refused · ${count(Math.round(this.rate(now)))}/s · ETA ${Number.isNaN(eta) ? '?' : duration(eta)}`;
  }
}

const percent = (fraction: number) => `${Math.floor(fraction * 100)}%`.padStart(4);

/** A bar of `width` cells for `fraction`. */
function bar(fraction: number, width: number): string {
  const full = Math.round(fraction * width);
  return '█'.repeat(full) + '░'.repeat(width - full);
}

/** The terminal line: percentage, a bar as wide as the rest of 80 columns (or the terminal) allows, the figures. */
export function barLine(figures: ProgressFigures, now: number, complete: boolean, columns: number): string {
  const text = figures.text(now, complete);
  // A terminal that does not say its width (0) gets 80 columns.
  const width = (columns > 0 ? Math.min(columns, WIDTH) : WIDTH) - 1;
  const room = width - 4 - 2 - text.length;
  const fraction = figures.fraction(complete);
  return room >= 5 ? `${percent(fraction)} ${bar(fraction, Math.min(room, 30))} ${text}` : `${percent(fraction)} ${text}`.slice(0, width);
}

/** The plain line: `upload 42%: 12,300 accepted · 45 refused · 1,234/s · ETA 1m05s`. */
export function plainLine(figures: ProgressFigures, now: number, complete: boolean): string {
  return `upload ${percent(figures.fraction(complete)).trim()}: ${figures.text(now, complete)}`.slice(0, WIDTH - 1);
}

export function createProgress({ out, tty, totalBytes, now = () => performance.now(), intervalMs = 5000 }: ProgressOptions): ProgressView {
  const figures = new ProgressFigures(totalBytes, now());
  if (tty) {
    let complete = false;
    const bar = new cliProgress.SingleBar(
      {
        stream: out,
        format: () => barLine(figures, now(), complete, out.columns ?? WIDTH),
        hideCursor: true,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1, 0);
    return {
      update: (s) => {
        figures.update(s, now());
        bar.update(0);
      },
      stop: (done = false) => {
        complete = done;
        bar.update(0);
        bar.stop();
      },
    };
  }
  const timer = setInterval(() => out.write(`${plainLine(figures, now(), false)}\n`), intervalMs);
  timer.unref();
  return {
    update: (s) => figures.update(s, now()),
    stop: () => clearInterval(timer),
  };
}
