// What the batching sender has done so far (its stats, counted as things happen), and the one
// line it prints when it has delivered nothing for a while and nobody listens: a sender pointed
// at a server that is down must not look like a silent hang.

/** How long failed attempts go on with nothing delivered before the sender says so (once per stall). */
export const STALL_NOTICE_MS = 10_000;

export class Progress {
  readonly stats = { sent: 0, accepted: 0, failed: 0, returned: 0, attempts: 0, retried: 0, batches: 0, peakBuffered: 0, lastError: undefined as string | undefined };
  readonly #print: boolean;
  readonly #waiting: () => number;
  readonly #where: string;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #noticed = false;

  /**
   * @param print whether to print the stall notice (nobody listens otherwise)
   * @param waiting how many events are waiting to be delivered
   * @param where the hosts the sender talks to, for the notice
   */
  constructor(print: boolean, waiting: () => number, where: string) {
    this.#print = print;
    this.#waiting = waiting;
    this.#where = where;
  }

  buffered(n: number): void {
    if (n > this.stats.peakBuffered) this.stats.peakBuffered = n;
  }

  /** An attempt ended: a batch request (carrying `events`), or a session creation (0 events). */
  attempt(failure: { message: string } | undefined, events: number, retryInMs: number | undefined): void {
    if (events > 0) this.stats.attempts++;
    if (failure === undefined) return;
    this.stats.lastError = failure.message;
    if (retryInMs !== undefined) this.stats.retried += events;
    if (this.#print && this.#timer === undefined && !this.#noticed) this.#timer = setTimeout(() => this.#notice(), STALL_NOTICE_MS);
  }

  /** A batch request was accepted with `n` events. */
  delivered(n: number): void {
    this.stats.accepted += n;
    this.stats.batches++;
    this.stop();
    this.#noticed = false;
  }

  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #notice(): void {
    this.#timer = undefined;
    const waiting = this.#waiting();
    if (waiting === 0) return;
    this.#noticed = true;
    globalThis.console.error(
      `stripe-meters: the meter event sender has delivered nothing for ${STALL_NOTICE_MS / 1000} s and keeps retrying ` +
        `(${waiting} event(s) waiting; last error: ${this.stats.lastError ?? 'none'}; sending to ${this.#where}). ` +
        'Is Stripe, or your emulator, reachable? Pass onError, or the client\'s onResponse, to handle this yourself. (Printed once until something is delivered.)',
    );
  }
}
