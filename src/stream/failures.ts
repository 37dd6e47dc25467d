// Where the stream's failed events go: to onError; when there is none (or it throws), kept for the
// next send(), flush() or close(), and printed once if nothing takes them within a second. A
// failure is never dropped.
import type { MeterEventStreamFailure } from './errors.js';

/** How long failures nobody took wait before they are printed (once per stream). */
const PRINT_AFTER_MS = 1000;

export class Failures {
  readonly #onError: ((failure: MeterEventStreamFailure) => void) | undefined;
  #kept: MeterEventStreamFailure[] = [];
  #printTimer: ReturnType<typeof setTimeout> | undefined;
  #printed = false;

  constructor(onError: ((failure: MeterEventStreamFailure) => void) | undefined) {
    this.#onError = onError;
  }

  /** Failures kept for the caller. */
  get kept(): number {
    return this.#kept.length;
  }

  report(failure: MeterEventStreamFailure): void {
    if (this.#onError !== undefined) {
      try {
        this.#onError(failure);
        return;
      } catch {
        // A throwing handler must not lose the failure: it is kept like an unhandled one.
      }
    }
    this.#kept.push(failure);
    this.#schedulePrint();
  }

  /** Hands the kept failures to the caller (they count as reported). */
  take(): MeterEventStreamFailure[] {
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
        `stripe-meters: ${failures.length} meter event(s) failed for good and nothing has taken them (no onError, and no send(), flush() or close() since). ` +
          `The first: ${failures[0]?.error.message ?? ''}. Identifiers: ${ids}${failures.length > 5 ? ', ...' : ''}. ` +
          'They are kept for the next send(), flush() or close(); pass onError to handle failures as they happen. (Printed once per stream.)',
      );
    }, PRINT_AFTER_MS);
  }
}
