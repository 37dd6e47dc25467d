// One source per fact, and no unchecked casts, in src/: Stripe's 24-hour windows, the stream's batch
// limit and the emulator's latest clock value are each written once (src/rules/limits.ts,
// src/emulator/clock.ts) and imported everywhere else; `as unknown as` (a cast that checks
// nothing) appears nowhere: loaded and decoded values go through type guards or typed readers.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** Where `pattern` matches in src/, as `file:line: text`, outside the files allowed to hold it. */
function found(pattern: RegExp, allowed: readonly string[] = []): string[] {
  const hits: string[] = [];
  for (const file of sources(SRC)) {
    const name = relative(SRC, file);
    if (allowed.includes(name)) continue;
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (pattern.test(line)) hits.push(`${name}:${i + 1}: ${line.trim()}`);
      });
  }
  return hits;
}

describe('one source per fact in src/', () => {
  it('the 24-hour windows (identifiers, cancels, idempotency keys) are written only in rules/limits.ts', () => {
    expect(found(/\b24 \* (3600|60 \* 60)\b|['"]identifierWindowSeconds['"], 86_?400\b/, ['rules/limits.ts'])).toEqual([]);
  });

  it("the stream's batch limit is read from the spec only in rules/limits.ts", () => {
    expect(found(/events\.maxItems/, ['rules/limits.ts'])).toEqual([]);
  });

  it("the emulator's latest clock value is one constant", () => {
    expect(found(/253_?402_?300_?799/, ['emulator/clock.ts'])).toHaveLength(0);
    expect(found(/253_?402_?300_?799/)).toHaveLength(1);
  });

  it('no limit in rules/limits.ts is left unused (a check, or the rule table test of a spec limit, reads each)', () => {
    const limits = readFileSync(join(SRC, 'rules', 'limits.ts'), 'utf8');
    const names = [...limits.matchAll(/^export const (\w+)/gm)].map((m) => m[1] as string);
    expect(names.length).toBeGreaterThan(5);
    const tests = sources(import.meta.dirname).map((file) => readFileSync(file, 'utf8'));
    for (const name of names) {
      const word = new RegExp(`\\b${name}\\b`);
      expect(found(word, ['rules/limits.ts']).length + tests.filter((t) => t !== readFileSync(import.meta.filename, 'utf8') && word.test(t)).length, name).toBeGreaterThan(0);
    }
  });

  it('has no `as unknown as` cast', () => {
    expect(found(/as unknown as/)).toEqual([]);
  });
});
