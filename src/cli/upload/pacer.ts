// --rate: at most N events per second. Credit does not pile up while the sender is slow, and
// waits shorter than 10 ms are gathered into one (a burst of at most 10 ms worth), so a high rate
// costs no timer per event.

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const SLACK_MS = 10;

export class Pacer {
  #next = -Infinity;

  constructor(
    private readonly perSecond: number,
    private readonly clock: Clock = realClock,
  ) {}

  /** Waits until one more event keeps the rate at or under the cap. */
  async take(): Promise<void> {
    const now = this.clock.now();
    this.#next = Math.max(this.#next, now);
    const wait = this.#next - now;
    this.#next += 1000 / this.perSecond;
    if (wait >= SLACK_MS) await this.clock.sleep(wait);
  }
}
