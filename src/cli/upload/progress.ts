// Progress of an upload: a live bar on a terminal (cli-progress), a plain line every few seconds
// otherwise (a log, CI), both on stderr so that stdout holds only the summary.
import cliProgress from 'cli-progress';
import { count, duration } from '../format.js';

export interface ProgressSnapshot {
  /** Rows read in this run (skipped ones included), and how many of them an earlier run had settled. */
  rows: number;
  skipped: number;
  accepted: number;
  refused: number;
  bytes: number;
}

export interface ProgressView {
  update(snapshot: ProgressSnapshot): void;
  stop(): void;
}

export interface ProgressOptions {
  out: NodeJS.WritableStream;
  tty: boolean;
  totalBytes: number;
  now?: () => number;
  /** Between two plain lines. @unit milliseconds @default 5000 */
  intervalMs?: number;
}

function rate(snapshot: ProgressSnapshot, startedAt: number, now: number): number {
  const seconds = (now - startedAt) / 1000;
  return seconds > 0 ? (snapshot.rows - snapshot.skipped) / seconds : 0;
}

export function createProgress({ out, tty, totalBytes, now = () => performance.now(), intervalMs = 5000 }: ProgressOptions): ProgressView {
  const startedAt = now();
  let last: ProgressSnapshot = { rows: 0, skipped: 0, accepted: 0, refused: 0, bytes: 0 };
  const payload = (s: ProgressSnapshot) => ({ rows: count(s.rows), speed: count(Math.round(rate(s, startedAt, now()))), accepted: count(s.accepted), refused: count(s.refused) });
  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        stream: out,
        format: 'upload {bar} {percentage}% | {rows} rows | {speed} rows/s | ETA {eta_formatted} | accepted {accepted} | refused {refused}',
        hideCursor: true,
        fps: 10,
        barsize: 24,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(Math.max(totalBytes, 1), 0, payload(last));
    return {
      update: (s) => {
        last = s;
        bar.update(s.bytes, payload(s));
      },
      stop: () => {
        bar.update(last.bytes, payload(last));
        bar.stop();
      },
    };
  }
  const line = () => {
    const elapsed = (now() - startedAt) / 1000;
    const fraction = totalBytes > 0 ? last.bytes / totalBytes : 0;
    const eta = fraction > 0 ? (elapsed / fraction) * (1 - fraction) : Number.NaN;
    const p = payload(last);
    out.write(`upload: ${p.rows} rows (${Math.floor(fraction * 100)}%), ${p.speed} rows/s, accepted ${p.accepted}, refused ${p.refused}, ETA ${duration(eta)}\n`);
  };
  const timer = setInterval(line, intervalMs);
  timer.unref();
  return {
    update: (s) => {
      last = s;
    },
    stop: () => clearInterval(timer),
  };
}
