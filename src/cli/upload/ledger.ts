// What became of each row sent since the last checkpoint. Rows enter in row order; a checkpoint
// takes every row below it once the sender says all of them are settled (accepted, refused, or
// failed for a reason that may pass, such as the network), and the state file records the result.

export type Outcome = 'accepted' | 'refused' | 'duplicate' | 'failed';

export interface Pending {
  row: number;
  /** The row's first line in the file (CSV, JSON Lines), for reasons. */
  line?: number | undefined;
  /** Where the row ends in the file. @unit bytes */
  end?: number;
  raw: string[] | string | Uint8Array[] | Uint8Array;
  /** Set for rows handed to a sender; refusals and failures find the row by it. */
  identifier?: string;
  /** undefined until known: a stream only reports the events that failed, so silence means accepted. */
  outcome?: Outcome;
  reason?: string;
}

export interface Settled {
  rows: number;
  accepted: number;
  /** v1 answered that an event with this identifier already exists: it landed in an earlier run. */
  duplicates: number;
  refused: Pending[];
  /** Rows to send again on the next run. */
  failed: number[];
  /** Where the last row taken ends in the file (undefined when none was taken). @unit bytes */
  end: number | undefined;
}

export class Ledger {
  #queue: Pending[] = [];
  #head = 0;

  add(entry: Pending): void {
    this.#queue.push(entry);
  }

  /**
   * The unsettled row sent with this identifier. A file's identifiers are unique (a repeated one
   * is refused before sending), and this is asked only for the events a sender failed to deliver,
   * so a scan of the rows in flight (a few thousand at most) costs less than a map kept per row.
   */
  find(identifier: string): Pending | undefined {
    const q = this.#queue;
    for (let i = this.#head; i < q.length; i++) {
      const p = q[i] as Pending;
      if (p.identifier === identifier && p.outcome === undefined) return p;
    }
    return undefined;
  }

  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** Removes and sums up every row numbered below `upTo`. */
  take(upTo: number): Settled {
    const out: Settled = { rows: 0, accepted: 0, duplicates: 0, refused: [], failed: [], end: undefined };
    const q = this.#queue;
    while (this.#head < q.length) {
      const p = q[this.#head];
      if (p === undefined || p.row >= upTo) break;
      this.#head++;
      out.rows++;
      if (p.end !== undefined) out.end = p.end;
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
}
