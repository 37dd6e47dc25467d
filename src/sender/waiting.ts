// The two ways a caller waits on the batching sender: send() for room in its bounded buffer, and
// flush() / close() for every event sent before them to settle.
import type { MeterEventSenderAbortedError } from './errors.js';

/** send() calls waiting for room, first come first served. */
export class Room {
  #waiting: Array<() => void> = [];
  /** `#waiting[#head]` is next. */
  #head = 0;

  wait(): Promise<void> {
    return new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  /** Wakes up to `n` waiting calls (every one with Infinity). */
  wake(n: number): void {
    for (let left = n; left > 0 && this.#head < this.#waiting.length; left--) this.#waiting[this.#head++]?.();
    // Drop the woken ones from the front now and then, not on every wake (a shift is O(n)).
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }
}

interface Waiter {
  /** The first sequence number sent after the flush() call: later events do not count for it. */
  target: number;
  remaining: number;
  resolve: () => void;
  reject: (error: MeterEventSenderAbortedError) => void;
}

/** flush() and close() calls waiting for the events sent before them. */
export class Flushes {
  #waiters: Waiter[] = [];

  /**
   * Waits until the `remaining` events sent before sequence number `target` settle; `signal`
   * aborts the wait, rejecting with what `aborted()` builds at that moment.
   */
  wait(target: number, remaining: number, signal: AbortSignal | undefined, aborted: (reason: unknown) => MeterEventSenderAbortedError): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        reject(aborted(signal?.reason));
      };
      const waiter: Waiter = {
        target,
        remaining,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** `n` events from sequence number `first` settled. */
  settled(first: number, n: number): void {
    if (this.#waiters.length === 0) return;
    for (const waiter of this.#waiters) {
      waiter.remaining -= Math.max(0, Math.min(n, waiter.target - first));
      if (waiter.remaining === 0) waiter.resolve();
    }
    this.#waiters = this.#waiters.filter((w) => w.remaining > 0);
  }

  /** Every waiting call rejects with `error` (an aborted close() handed the events back). */
  rejectAll(error: MeterEventSenderAbortedError): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }
}
