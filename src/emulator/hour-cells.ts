// Running totals per UTC hour of the event timestamp, updated as events arrive or are cancelled,
// so that hour- and day-aligned summaries of raw sum and count meters take one step per hour
// with usage instead of one per event. Sums are compensated (Neumaier).

export class HourCells {
  readonly #cellOf = new Map<number, number>();
  /** cell -> hour (unix seconds / 3600) */
  readonly hours: number[] = [];
  sum = new Float64Array(8);
  comp = new Float64Array(8);
  count = new Float64Array(8);
  // Events mostly arrive in time order: the last hour's cell is looked up without the map.
  #lastHour = Number.NaN;
  #lastCell = -1;

  /** Adds (sign 1) or removes (sign -1) an event. */
  add(ts: number, value: number, sign: 1 | -1): void {
    const hour = Math.floor(ts / 3600);
    let cell = hour === this.#lastHour ? this.#lastCell : this.#cellOf.get(hour);
    if (cell === undefined) {
      cell = this.hours.length;
      if (cell === this.sum.length) this.#grow();
      this.hours.push(hour);
      this.#cellOf.set(hour, cell);
    }
    this.#lastHour = hour;
    this.#lastCell = cell;
    const v = sign * value;
    const s = this.sum[cell] as number;
    const next = s + v;
    this.comp[cell] = (this.comp[cell] as number) + (Math.abs(s) >= Math.abs(v) ? s - next + v : v - next + s);
    this.sum[cell] = next;
    this.count[cell] = (this.count[cell] as number) + sign;
  }

  #grow(): void {
    const grow = (old: Float64Array) => {
      const next = new Float64Array(old.length * 2);
      next.set(old);
      return next;
    };
    this.sum = grow(this.sum);
    this.comp = grow(this.comp);
    this.count = grow(this.count);
  }
}
