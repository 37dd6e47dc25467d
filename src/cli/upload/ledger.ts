// What became of each row sent since the last checkpoint. Rows enter in row order; a checkpoint
// takes every row below it once the sender says all of them are settled (accepted, refused, or
// failed for a reason that may pass, such as the network), and the state file records the result.
import { derivedPrefix } from './identifier.js';

const DERIVED = /^sm-(\d+)-/;

export type Outcome = 'accepted' | 'refused' | 'duplicate' | 'failed';

export interface Pending {
  row: number;
  raw: string[] | string;
  /** Set for rows handed to a sender; refusals and failures find the row by it. */
  identifier?: string;
  /** undefined until known: a stream only reports the events that failed, so silence means accepted. */
  outcome?: Outcome;
  reason?: string;
}

export interface Settled {
  accepted: number;
  /** v1 answered that an event with this identifier already exists: it landed in an earlier run. */
  duplicates: number;
  refused: Pending[];
  /** Rows to send again on the next run. */
  failed: number[];
}

export class Ledger {
  #queue: Pending[] = [];
  #head = 0;
  // One entry per identifier; an array only when the file repeats an identifier among rows in flight.
  #byIdentifier = new Map<string, Pending | Pending[]>();

  add(entry: Pending): void {
    this.#queue.push(entry);
    // A derived identifier names its row: find() gets there without a map entry (a Map with a
    // key per row costs more than everything else the ledger does).
    if (entry.identifier === undefined || entry.identifier.startsWith(derivedPrefix(entry.row))) return;
    const same = this.#byIdentifier.get(entry.identifier);
    if (same === undefined) this.#byIdentifier.set(entry.identifier, entry);
    else if (Array.isArray(same)) same.push(entry);
    else this.#byIdentifier.set(entry.identifier, [same, entry]);
  }

  /** The oldest unsettled row sent with this identifier (a file may repeat an identifier). */
  find(identifier: string): Pending | undefined {
    const derived = DERIVED.exec(identifier);
    if (derived !== null) {
      const p = this.#atRow(Number(derived[1]));
      if (p?.identifier === identifier && p.outcome === undefined) return p;
    }
    const same = this.#byIdentifier.get(identifier);
    return Array.isArray(same) ? same.find((p) => p.outcome === undefined) : same;
  }

  /** The entry of a row, by binary search (the queue is in row order). */
  #atRow(row: number): Pending | undefined {
    const q = this.#queue;
    let lo = this.#head;
    let hi = q.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = q[mid];
      if (p === undefined) return undefined;
      if (p.row === row) return p;
      if (p.row < row) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** Removes and sums up every row numbered below `upTo`. */
  take(upTo: number): Settled {
    const out: Settled = { accepted: 0, duplicates: 0, refused: [], failed: [] };
    const q = this.#queue;
    while (this.#head < q.length) {
      const p = q[this.#head];
      if (p === undefined || p.row >= upTo) break;
      this.#head++;
      if (p.identifier !== undefined && this.#byIdentifier.size > 0) this.#forget(p);
      if (p.outcome === undefined || p.outcome === 'accepted') out.accepted++;
      else if (p.outcome === 'duplicate') out.duplicates++;
      else if (p.outcome === 'refused') out.refused.push(p);
      else out.failed.push(p.row);
    }
    if (this.#head > 4096 && this.#head * 2 > q.length) {
      this.#queue = q.slice(this.#head);
      this.#head = 0;
    }
    return out;
  }

  #forget(p: Pending): void {
    const id = p.identifier ?? '';
    const same = this.#byIdentifier.get(id);
    if (!Array.isArray(same)) this.#byIdentifier.delete(id);
    else {
      same.splice(same.indexOf(p), 1);
      if (same.length === 0) this.#byIdentifier.delete(id);
    }
  }
}
