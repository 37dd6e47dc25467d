// A set of 64-bit fingerprints with a 32-bit number each, in typed arrays: what an upload keeps per
// row (how many identical rows came before; where an identifier was first used) in about 12 bytes
// a row, where a Map of strings would take over 300 (5 million rows: tens of MB, not gigabytes).
// Two different strings share a fingerprint with odds of about n²/2⁶⁵ (5 million rows: one in a
// million files); the callers are written so that such a collision errs on the safe side.

/** A 64-bit fingerprint of `text` (two 32-bit halves; cyrb53's mixing, kept at 64 bits). Not a secret. */
export function fingerprint(text: string): [hi: number, lo: number] {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return [h1 >>> 0, h2 >>> 0];
}

const MIN_CAPACITY = 1 << 12;

export class FingerprintTable {
  #hi = new Uint32Array(MIN_CAPACITY);
  #lo = new Uint32Array(MIN_CAPACITY);
  #value = new Int32Array(MIN_CAPACITY);
  #used = new Uint8Array(MIN_CAPACITY);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The number kept with the fingerprint, or undefined when it is not in the table. */
  get(hi: number, lo: number): number | undefined {
    const slot = this.#find(hi, lo);
    return this.#used[slot] === 1 ? this.#value[slot] : undefined;
  }

  set(hi: number, lo: number, value: number): void {
    let slot = this.#find(hi, lo);
    if (this.#used[slot] === 0) {
      if ((this.#size + 1) * 10 > this.#used.length * 7) {
        this.#grow();
        slot = this.#find(hi, lo);
      }
      this.#used[slot] = 1;
      this.#hi[slot] = hi;
      this.#lo[slot] = lo;
      this.#size++;
    }
    this.#value[slot] = value;
  }

  /** The slot holding the fingerprint, or the empty slot where it would go (linear probing). */
  #find(hi: number, lo: number): number {
    const mask = this.#used.length - 1;
    let slot = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.#used[slot] === 1 && (this.#hi[slot] !== hi || this.#lo[slot] !== lo)) slot = (slot + 1) & mask;
    return slot;
  }

  #grow(): void {
    const [hi, lo, value, used] = [this.#hi, this.#lo, this.#value, this.#used];
    const capacity = used.length * 2;
    this.#hi = new Uint32Array(capacity);
    this.#lo = new Uint32Array(capacity);
    this.#value = new Int32Array(capacity);
    this.#used = new Uint8Array(capacity);
    for (let i = 0; i < used.length; i++) {
      if (used[i] !== 1) continue;
      const slot = this.#find(hi[i] as number, lo[i] as number);
      this.#used[slot] = 1;
      this.#hi[slot] = hi[i] as number;
      this.#lo[slot] = lo[i] as number;
      this.#value[slot] = value[i] as number;
    }
  }
}
