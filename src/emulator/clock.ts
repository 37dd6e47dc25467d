// The emulator's clock: the host clock plus an offset that set() and advance() change, so every
// time rule (identifier and cancel windows, the 35-day window, token expiry) can be tested
// without waiting. A frozen clock does not follow the host clock at all.

/** How far to move the clock; the parts add up and may be negative. */
export interface ClockAdvance {
  days?: number;
  hours?: number;
  minutes?: number;
  seconds?: number;
}

/** The emulator's clock. */
export interface EmulatorClock {
  /** The emulator's current time. @unit unix seconds (whole) */
  now(): number;
  /** Moves the clock to `time` (a Date, or unix seconds); later readings follow from there. @returns the new now() */
  set(time: Date | number): number;
  /** Moves the clock forward (or back, with negative parts). @returns the new now() */
  advance(by: ClockAdvance): number;
}

export interface ClockSettings {
  /** Where the clock starts. @default the host clock's time */
  start?: Date | number | undefined;
  /** When true the clock stands still between set() and advance() calls. @default false */
  frozen?: boolean | undefined;
}

export interface ClockSnapshot {
  /** @unit unix milliseconds */
  nowMs: number;
  /** The clock's distance from the host clock. @unit milliseconds */
  offsetMs: number;
  frozen: boolean;
}

export class Clock implements EmulatorClock {
  #offsetMs = 0;
  readonly #frozenAt: number | undefined;
  readonly #startOffsetMs: number;

  constructor(
    settings: ClockSettings = {},
    // Read through Date each time, so fake timers installed later still drive it.
    private readonly host: () => number = () => Date.now(),
  ) {
    const hostNow = host();
    this.#frozenAt = settings.frozen === true ? hostNow : undefined;
    this.#startOffsetMs = settings.start === undefined ? 0 : toMs(settings.start, 'start') - hostNow;
    this.#offsetMs = this.#startOffsetMs;
  }

  /** The current time in milliseconds (events keep sub-second timestamps). */
  nowMs(): number {
    return (this.#frozenAt ?? this.host()) + this.#offsetMs;
  }

  now(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  set(time: Date | number): number {
    this.#offsetMs += toMs(time, 'time') - this.nowMs();
    return this.now();
  }

  advance(by: ClockAdvance): number {
    const { days = 0, hours = 0, minutes = 0, seconds = 0 } = by;
    const ms = (((days * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
    const to = this.nowMs() + ms;
    if (!Number.isFinite(ms) || to < 0 || to > MAX_CLOCK_MS) throw new RangeError('clock.advance() takes finite numbers of days, hours, minutes and seconds that keep the clock from 1970 to 9999-12-31T23:59:59Z');
    this.#offsetMs += ms;
    return this.now();
  }

  /** What saved state keeps of the clock: its time, and how far it is from the host clock. */
  snapshot(): ClockSnapshot {
    return { nowMs: this.nowMs(), offsetMs: this.#offsetMs, frozen: this.#frozenAt !== undefined };
  }

  /** Puts the clock back where a snapshot had it: a frozen clock at its time, a running one as far from the host clock. */
  restore(snapshot: ClockSnapshot): void {
    if (this.#frozenAt !== undefined) this.set(snapshot.nowMs / 1000);
    else if (snapshot.frozen) this.#offsetMs = snapshot.nowMs - this.host();
    else this.#offsetMs = snapshot.offsetMs;
  }

  /** Back to where the clock started (reset()). */
  restart(): void {
    this.#offsetMs = this.#startOffsetMs;
  }
}

/** The clock shows times from 1970 to 9999-12-31T23:59:59Z, the range RFC 3339 timestamps cover. @unit unix milliseconds */
export const MAX_CLOCK_MS = 253_402_300_799_000;

function toMs(time: Date | number, name: string): number {
  const ms = time instanceof Date ? time.getTime() : time * 1000;
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_CLOCK_MS) throw new RangeError(`${name} must be a valid Date or unix seconds from 1970 to 9999-12-31T23:59:59Z`);
  return ms;
}
