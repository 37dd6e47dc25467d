// Where the sender's failed events go: to onError; when there is none (or it throws), kept for the
// next send(), flush() or close(), and printed once if nothing takes them within a second. A
// failure is never dropped.
import { isThenable } from '../internal/attempt.js';
import type { MeterEventSenderFailure } from './errors.js';

/** How long failures nobody took wait before they are printed (once per sender). */
const PRINT_AFTER_MS = 1000;

export class Failures {
  readonly #onError: ((failure: MeterEventSenderFailure) => unknown) | undefined;
  #kept: MeterEventSenderFailure[] = [];
  /** Async onError calls not settled yet: until they are, whether they took their failure is unknown. */
  readonly #pending = new Set<Promise<void>>();
  #printTimer: ReturnType<typeof setTimeout> | undefined;
  #printed = false;

  constructor(onError: ((failure: MeterEventSenderFailure) => unknown) | undefined) {
    this.#onError = onError;
  }

  /** Failures kept for the caller. */
  get kept(): number {
    return this.#kept.length;
  }

  report(failure: MeterEventSenderFailure): void {
    if (this.#onError !== undefined) {
      try {
        const result: unknown = this.#onError(failure);
        // An async handler that rejects has not taken the failure either.
        if (isThenable(result)) {
          const settled = Promise.resolve(result).then(
            () => undefined,
            () => this.#keep(failure),
          );
          this.#pending.add(settled);
          void settled.finally(() => this.#pending.delete(settled));
        }
        return;
      } catch {
        // A throwing handler must not lose the failure: it is kept like an unhandled one.
      }
    }
    this.#keep(failure);
  }

  #keep(failure: MeterEventSenderFailure): void {
    this.#kept.push(failure);
    this.#schedulePrint();
  }

  /** Resolves once every async onError call so far has settled (flush() and close() wait for it). */
  async settled(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all(this.#pending);
  }

  /** Hands the kept failures to the caller (they count as reported). */
  take(): MeterEventSenderFailure[] {
    clearTimeout(this.#printTimer);
    this.#printTimer = undefined;
    return this.#kept.splice(0);
  }

  #schedulePrint(): void {
    if (this.#printed || this.#printTimer !== undefined) return;
    this.#printTimer = setTimeout(() => {
      this.#printTimer = undefined;
      const failures = this.#kept;
      if (failures.length === 0) return;
      this.#printed = true;
      const ids = failures.slice(0, 5).map((f) => f.event.identifier).join(', ');
      globalThis.console.error(
        `stripe-meters: ${failures.length} meter event(s) failed and nothing has taken them (no onError, and no send(), flush() or close() since). ` +
          `The first: ${failures[0]?.error.message ?? ''}. Identifiers: ${ids}${failures.length > 5 ? ', ...' : ''}. ` +
          'They are kept for the next send(), flush() or close(); pass onError to handle failures as they happen. (Printed once per sender.)',
      );
    }, PRINT_AFTER_MS);
  }
}
