// `npm run demo`, the README's first command, as a newcomer sees it: it succeeds against the
// local emulator, every line fits 80 columns, and it is coloured on a terminal only (NO_COLOR and
// pipes get plain text).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const demo = join(root, 'scripts', 'demo.ts');
const ESC = '\x1b[';
const env = (more: Record<string, string>) => {
  const { NO_COLOR: _, STRIPE_SECRET_KEY: __, ...rest } = process.env;
  return { ...rest, ...more };
};

describe('npm run demo', () => {
  it('piped: exits 0, says every summary matched and each outbox event counted once, plain, within 80 columns', { timeout: 120_000 }, async () => {
    const { stdout } = await exec(tsx, [demo], { cwd: root, env: env({}) });
    expect(stdout).toMatch(/All 9 hourly summaries equal the tokens sent minus the cancelled event\./);
    expect(stdout).toMatch(/each event counted once/);
    expect(stdout).not.toContain(ESC);
    const long = stdout.split('\n').filter((l) => [...l].length > 80);
    expect(long).toEqual([]);
  });

  it('on a terminal it is coloured, unless NO_COLOR is set (script(1) gives it a pseudo-terminal)', { timeout: 240_000 }, async () => {
    const command = `${tsx} ${demo}`;
    const coloured = await exec('script', ['-qfec', command, '/dev/null'], { cwd: root, env: env({ TERM: 'xterm' }) });
    expect(coloured.stdout).toContain(`${ESC}1m`);
    const plain = await exec('script', ['-qfec', command, '/dev/null'], { cwd: root, env: env({ TERM: 'xterm', NO_COLOR: '1' }) });
    expect(plain.stdout).toMatch(/each event counted once/);
    expect(plain.stdout.replace(/\x1b\[[0-9;]*[GK]/g, '')).not.toContain(`${ESC}1m`);
  });
});
