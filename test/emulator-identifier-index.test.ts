// The emulator's identifier index (a hash table over typed arrays) against a Map: the same
// answers through growth, rehashing, colliding hashes, repeats and any UTF-16 text.
import { describe, expect, it } from 'vitest';
import { hashText, IdentifierIndex } from '../src/emulator/identifier-index.js';

describe('IdentifierIndex', () => {
  it('finds what was added, and nothing else, through many rehashes', () => {
    const index = new IdentifierIndex();
    const model = new Map<string, number>();
    for (let i = 0; i < 50_000; i++) {
      const id = `evt-${(i * 7919) % 30_011}`; // repeats from i = 30,011 on
      const entry = index.find(id);
      expect(entry >= 0).toBe(model.has(id));
      index.add(id, i);
      model.set(id, i);
    }
    expect(index.size).toBe(model.size);
    for (const [id, ref] of model) {
      const entry = index.find(id);
      expect(index.text(entry)).toBe(id);
      expect(index.ref(entry)).toBe(ref);
    }
    expect(index.find('evt-30011')).toBe(-1);
    expect(index.find('evt-')).toBe(-1);
    expect(index.find('')).toBe(-1);
  });

  it('tells apart identifiers whose hashes collide, and keeps any text exactly', () => {
    const index = new IdentifierIndex();
    // Same length, same hash bucket pressure: many short ids; and text outside ASCII.
    const ids = ['a', 'b', 'ab', 'ba', 'é', '😀', 'x'.repeat(100), 'y'.repeat(10_000), '\u0000', 'snowman ☃ 雪'];
    for (let i = 0; i < 3000; i++) ids.push(String.fromCharCode(0x3000 + i));
    ids.forEach((id, i) => index.add(id, i));
    ids.forEach((id, i) => {
      const entry = index.find(id);
      expect(entry).toBe(i);
      expect(index.text(entry)).toBe(id);
    });
    // Adding again points the entry at the newer event instead of adding one.
    index.add('ab', 99);
    expect(index.find('ab')).toBe(2);
    expect(index.ref(2)).toBe(99);
    expect(index.size).toBe(ids.length);
  });

  it('works when two different texts share a full hash', () => {
    // Find a real 32-bit collision among short strings, then use both.
    const seen = new Map<number, string>();
    let pair: [string, string] | undefined;
    for (let i = 0; pair === undefined; i++) {
      const text = i.toString(36);
      const h = hashText(text);
      const other = seen.get(h);
      if (other !== undefined) pair = [other, text];
      else seen.set(h, text);
    }
    const index = new IdentifierIndex();
    index.add(pair[0], 1);
    expect(index.find(pair[1])).toBe(-1);
    index.add(pair[1], 2);
    expect(index.ref(index.find(pair[0]))).toBe(1);
    expect(index.ref(index.find(pair[1]))).toBe(2);
  });
});
