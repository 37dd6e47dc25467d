// The outbox's place in the package: Node only (its exports have no browser or default
// condition), each store the only importer of its own optional peer dependency, and the main entry
// reaching none of it. Runs on dist/ (npm test builds first).
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './cli-helpers.js';

const root = join(import.meta.dirname, '..');
const DATABASES = ['better-sqlite3', 'pg'];

/** Every module a built entry reaches, and the packages it imports (kept external). */
async function reach(entry: string): Promise<{ inputs: string[]; packages: string[] }> {
  const result = await build({ entryPoints: [join(root, 'dist', 'src', entry)], bundle: true, platform: 'node', format: 'esm', write: false, metafile: true, packages: 'external', logLevel: 'silent' });
  const inputs = Object.keys(result.metafile.inputs);
  const packages = new Set<string>();
  for (const input of Object.values(result.metafile.inputs)) for (const i of input.imports) if (i.external && !i.path.startsWith('node:')) packages.add(i.path);
  return { inputs, packages: [...packages].sort() };
}

describe('the outbox in the package', () => {
  it('the main entry (browser and Node) reaches no outbox code, no better-sqlite3 and no pg', async () => {
    for (const entry of ['index.js', 'index.node.js']) {
      const { inputs, packages } = await reach(entry);
      expect(inputs.filter((i) => i.includes('/outbox/') || i.includes('outbox-command'))).toEqual([]);
      expect(packages.filter((p) => DATABASES.includes(p))).toEqual([]);
    }
  });

  it('each store entry imports only its own database package; the outbox entry neither', async () => {
    const databases = async (entry: string) => (await reach(entry)).packages.filter((p) => DATABASES.includes(p));
    expect(await databases('outbox/index.js')).toEqual([]);
    expect(await databases('outbox/sqlite.node.js')).toEqual(['better-sqlite3']);
    // The PostgreSQL store takes your pool: it imports no pg of its own.
    expect(await databases('outbox/postgres.node.js')).toEqual([]);
  });

  it('exports the outbox for Node only, with optional peer dependencies', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, string>>; peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional: boolean }> };
    for (const entry of ['./outbox', './outbox/sqlite', './outbox/postgres']) expect(Object.keys(pkg.exports[entry] ?? {})).toEqual(['types', 'node']);
    expect(pkg.peerDependencies['better-sqlite3']).toMatch(/^\^12\./);
    expect(pkg.peerDependenciesMeta).toEqual({ 'better-sqlite3': { optional: true }, pg: { optional: true } });
  });

  it('stripe-meters outbox status, dead-letters and retry work on a SQLite file', async () => {
    const dir = tempDir();
    const path = join(dir, 'usage.db');
    const { createOutbox } = await import('../src/outbox/index.js');
    const { sqliteStore } = await import('../src/outbox/sqlite.node.js');
    const { StripeMeters } = await import('../src/index.js');
    const { createEmulator } = await import('../src/emulator/index.js');
    const emulator = createEmulator({ onWarning: () => undefined });
    const stripe = new StripeMeters('sk_test_outbox', { fetch: emulator.fetch });
    const outbox = createOutbox(stripe, { store: sqliteStore(path), via: 'v1', pollIntervalMs: 5 });
    const refused = await outbox.record({ event_name: 'no_meter_yet', payload: { stripe_customer_id: 'cus_1', value: 1 } });
    outbox.start();
    for (let i = 0; i < 500 && (await outbox.stats()).dead === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    await outbox.close();

    const status = await runCli(['outbox', 'status', '--sqlite', path]);
    expect(status.code).toBe(2);
    expect(status.stdout).toMatch(/dead letters\s+1/);
    const letters = await runCli(['outbox', 'dead-letters', '--sqlite', path, '--json']);
    expect(JSON.parse(letters.stdout)).toEqual([expect.objectContaining({ identifier: refused.identifier, state: 'dead', error: expect.objectContaining({ type: 'OutboxMeterError', code: 'no_meter' }) as object })]);
    expect((await runCli(['outbox', 'retry', '--sqlite', path])).stderr).toMatch(/--id <id\.\.\.> .* or --all/);
    const retried = await runCli(['outbox', 'retry', '--sqlite', path, '--id', '1']);
    expect(retried.stdout).toMatch(/^1 dead letter/);
    expect(JSON.parse((await runCli(['outbox', 'status', '--sqlite', path, '--json'])).stdout)).toMatchObject({ pending: 1, dead: 0 });
    expect((await runCli(['outbox', 'status'])).stderr).toMatch(/--sqlite <file> or --postgres <url>/);
    // A mistyped path is no outbox: an error naming it, a non-zero exit, and no file made.
    const typo = join(dirname(path), 'usgae.db');
    for (const command of ['status', 'dead-letters']) {
      const missing = await runCli(['outbox', command, '--sqlite', typo]);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toContain(`no outbox at ${typo}: the file does not exist`);
    }
    expect(existsSync(typo)).toBe(false);
    // migrate is the command that creates one.
    expect((await runCli(['outbox', 'migrate', '--sqlite', typo])).stdout).toMatch(/up to date/);
    expect(JSON.parse((await runCli(['outbox', 'status', '--sqlite', typo, '--json'])).stdout)).toMatchObject({ recorded: 0 });
    // A held event (as the relay leaves one at the 24-hour horizon) that a person found at Stripe.
    const db = new Database(path);
    db.prepare(`UPDATE stripe_meters_outbox SET state = 'held', held_at = 1, held_reason = 'first sent long ago' WHERE id = 1`).run();
    db.close();
    expect((await runCli(['outbox', 'dead-letters', '--held', '--sqlite', path])).stdout).toMatch(/^1\s+held .* no_meter_yet .*\n\s+first sent long ago/);
    expect((await runCli(['outbox', 'mark-delivered', '--sqlite', path, '--id', '1'])).stdout).toMatch(/^1 held event\(s\) marked delivered/);
    expect(JSON.parse((await runCli(['outbox', 'status', '--sqlite', path, '--json'])).stdout)).toMatchObject({ pending: 0, held: 0, delivered: 1 });
  });
});
