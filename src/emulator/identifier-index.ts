// The identifiers of one account's stored events, kept off the JavaScript heap's object graph: the
// text of each distinct identifier once, as UTF-16 code units in one growing array, and an
// open-addressing hash table over typed arrays. At a million events a Map of strings made the
// garbage collector walk and copy a million strings and kept a million entries out of cache; here
// a lookup reads one slot (hash and entry side by side) and compares text only when the hashes
// agree, and storing an identifier writes a few numbers.

const EMPTY = 0;
/** Slots per entry at most, before the table doubles (a load factor of 1/2). */
const LOAD = 2;
/** Code units per String.fromCharCode call when an identifier is read back. */
const CHUNK = 4096;

/** A 32-bit hash (FNV-1a over the code units, then mixed). */
export function hashText(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h | 0;
}

export class IdentifierIndex {
  /** Pairs (hash, entry + 1) per slot; 0 in the second marks an empty slot. */
  #slots = new Int32Array(2 * 1024);
  #mask = 1023;
  /** Per entry: where its text ends in #text (it starts where the previous one ends). */
  #end = new Float64Array(256);
  /** Per entry: the reference of the event last received with the identifier. */
  #ref = new Float64Array(256);
  #text = new Uint16Array(4096);
  #used = 0;
  /** Distinct identifiers held. */
  size = 0;
  // find() leaves where a missing identifier would go, so that add() need not probe again.
  #missText: string | undefined;
  #missSlot = 0;
  #missHash = 0;

  /** The entry of `identifier`, or -1. */
  find(identifier: string): number {
    const hash = hashText(identifier);
    const slots = this.#slots;
    let slot = hash & this.#mask;
    for (;;) {
      const held = slots[2 * slot + 1] as number;
      if (held === EMPTY) break;
      if (slots[2 * slot] === hash && this.#equals(held - 1, identifier)) return held - 1;
      slot = (slot + 1) & this.#mask;
    }
    this.#missText = identifier;
    this.#missSlot = slot;
    this.#missHash = hash;
    return -1;
  }

  /** The event reference stored for an entry. */
  ref(entry: number): number {
    return this.#ref[entry] as number;
  }

  /** Points an entry at another event (a later event with the same identifier). */
  setRef(entry: number, ref: number): void {
    this.#ref[entry] = ref;
  }

  /** Adds an identifier find() did not find; returns its entry. */
  add(identifier: string, ref: number): number {
    if (identifier !== this.#missText) {
      const found = this.find(identifier);
      if (found >= 0) {
        this.setRef(found, ref);
        return found;
      }
    }
    this.#missText = undefined;
    const entry = this.size;
    if (entry === this.#end.length) this.#growEntries();
    const start = this.#used;
    const end = start + identifier.length;
    if (end > this.#text.length) this.#growText(end);
    const text = this.#text;
    for (let i = 0; i < identifier.length; i++) text[start + i] = identifier.charCodeAt(i);
    this.#used = end;
    this.#end[entry] = end;
    this.#ref[entry] = ref;
    this.size = entry + 1;
    this.#slots[2 * this.#missSlot] = this.#missHash;
    this.#slots[2 * this.#missSlot + 1] = entry + 1;
    if (this.size * LOAD > this.#mask + 1) this.#rehash();
    return entry;
  }

  /** The identifier of an entry, as a string. */
  text(entry: number): string {
    const start = entry === 0 ? 0 : (this.#end[entry - 1] as number);
    const end = this.#end[entry] as number;
    let out = '';
    for (let from = start; from < end; from += CHUNK) out += String.fromCharCode(...this.#text.subarray(from, Math.min(end, from + CHUNK)));
    return out;
  }

  /** Whether an entry holds `identifier`. */
  #equals(entry: number, identifier: string): boolean {
    const start = entry === 0 ? 0 : (this.#end[entry - 1] as number);
    if ((this.#end[entry] as number) - start !== identifier.length) return false;
    const text = this.#text;
    for (let i = 0; i < identifier.length; i++) if (text[start + i] !== identifier.charCodeAt(i)) return false;
    return true;
  }

  #growEntries(): void {
    const grow = (old: Float64Array) => {
      const next = new Float64Array(old.length * 2);
      next.set(old);
      return next;
    };
    this.#end = grow(this.#end);
    this.#ref = grow(this.#ref);
  }

  #growText(needed: number): void {
    let capacity = this.#text.length * 2;
    while (capacity < needed) capacity *= 2;
    const next = new Uint16Array(capacity);
    next.set(this.#text.subarray(0, this.#used));
    this.#text = next;
  }

  #rehash(): void {
    const old = this.#slots;
    const capacity = (this.#mask + 1) * 2;
    const slots = new Int32Array(2 * capacity);
    const mask = capacity - 1;
    for (let s = 0; s < old.length; s += 2) {
      const held = old[s + 1] as number;
      if (held === EMPTY) continue;
      const hash = old[s] as number;
      let slot = hash & mask;
      while (slots[2 * slot + 1] !== EMPTY) slot = (slot + 1) & mask;
      slots[2 * slot] = hash;
      slots[2 * slot + 1] = held;
    }
    this.#slots = slots;
    this.#mask = mask;
    this.#missText = undefined;
  }
}
