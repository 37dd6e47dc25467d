// Every TypeScript block of the README compiles as written, with its own imports, under the
// strictest flags, against the built package as a user installs it (the package's own name
// resolves to dist/ through its exports). Blocks fenced as ```ts run also run, each in a fresh
// node process, against an in-process emulator (test/readme-run.mjs); they must exit 0.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const run = promisify(execFile);

export interface Snippet {
  /** 1-based line of the opening fence in README.md. */
  line: number;
  runs: boolean;
  code: string;
}

/** The ```ts / ```typescript blocks of a markdown text. */
export function snippetsOf(markdown: string): Snippet[] {
  const lines = markdown.split('\n');
  const out: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})\s*(\S*)(.*)$/.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, indent = '', fence = '', lang = '', rest = ''] = open;
    let end = i + 1;
    while (end < lines.length && !(lines[end] ?? '').startsWith(`${indent}${fence}`)) end++;
    if (lang === 'ts' || lang === 'typescript') {
      out.push({ line: i + 1, runs: /\brun\b/.test(rest), code: lines.slice(i + 1, end).map((l) => l.slice(indent.length)).join('\n') });
    }
    i = end;
  }
  return out;
}

const dir = mkdtempSync(join(root, 'test', '.readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const snippets = snippetsOf(readFileSync(join(root, 'README.md'), 'utf8'));
const fileOf = (s: Snippet) => join(dir, `line-${s.line}.ts`);
for (const s of snippets) writeFileSync(fileOf(s), s.code);

// The strictest flags a user may compile with; no DOM (a free `event` must not resolve to a global).
const options: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noImplicitOverride: true,
  noImplicitReturns: true,
  noFallthroughCasesInSwitch: true,
  noPropertyAccessFromIndexSignature: true,
  verbatimModuleSyntax: true,
  isolatedModules: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  types: ['node'],
  skipLibCheck: true,
  noEmit: true,
};

describe('README snippets', () => {
  it('the README has TypeScript snippets, and every one is a module with its imports', () => {
    expect(snippets.length).toBeGreaterThan(10);
    const withoutImports = snippets.filter((s) => !/^import\s/m.test(s.code)).map((s) => `README.md:${s.line}`);
    expect(withoutImports).toEqual([]);
  });

  it('every snippet compiles as written', { timeout: 120_000 }, () => {
    const program = ts.createProgram(snippets.map(fileOf), options);
    const problems = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file === undefined ? '' : (() => {
        const snippet = snippets.find((s) => fileOf(s) === d.file?.fileName);
        const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
        return snippet === undefined ? `${d.file.fileName}: ` : `README.md:${snippet.line + 1 + line}: `;
      })();
      return `${where}TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
  });

  const runnable = snippets.filter((s) => s.runs);
  it('some snippets run', () => expect(runnable.length).toBeGreaterThan(3));
  it.each(runnable.map((s) => [s.line, s] as const))('the snippet at README.md:%i runs against the emulator', { timeout: 60_000 }, async (_, s) => {
    const js = ts.transpileModule(s.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } }).outputText;
    const file = join(dir, `line-${s.line}.mjs`);
    writeFileSync(file, js);
    const cwd = mkdtempSync(join(dir, 'cwd-'));
    const { stderr } = await run(process.execPath, ['--import', join(root, 'test', 'readme-run.mjs'), file], { cwd, env: { ...process.env, STRIPE_SECRET_KEY: 'sk_test_readme', NO_COLOR: '1' }, timeout: 50_000 });
    expect(stderr).not.toMatch(/Error|failed for good/);
  });
});
