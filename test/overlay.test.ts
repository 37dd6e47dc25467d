import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyOverlay, OverlayTargetError, query, type Json, type OverlayDocument } from '../scripts/overlay.js';

const root = join(import.meta.dirname, '..');
const doc = (): Json => ({
  info: { contact: { email: ['x'] } },
  servers: [{ url: 'https://a/' }],
  paths: { '/a': { get: { parameters: [{ name: 'limit', schema: { type: 'integer' } }, { name: 'q' }], responses: {} } } },
});
const overlay = (...actions: OverlayDocument['actions']): OverlayDocument => ({ overlay: '1.0.0', actions });

describe('overlay application', () => {
  it('merges objects, replaces primitives, appends to arrays and removes', () => {
    const out = applyOverlay(
      doc(),
      overlay(
        { target: '$.info.contact.email', remove: true },
        { target: '$.info.contact', update: { email: 'dev@x' } },
        { target: '$.servers[0]', remove: true },
        { target: '$.servers', update: [{ url: 'https://a' }] },
        { target: "$.paths['/a'].get.parameters[?@.name == 'limit'].schema", update: { maximum: 100 } },
        { target: '$.paths.*.*.responses', update: { '400': { description: 'bad' } } },
      ),
    );
    expect(out).toEqual({
      info: { contact: { email: 'dev@x' } },
      servers: [{ url: 'https://a' }],
      paths: { '/a': { get: { parameters: [{ name: 'limit', schema: { type: 'integer', maximum: 100 } }, { name: 'q' }], responses: { '400': { description: 'bad' } } } } },
    });
  });

  it('fails, naming the action, when a target matches nothing', () => {
    const act = () =>
      applyOverlay(doc(), overlay({ target: '$.info', update: { version: '1' } }, { target: "$.paths['/b'].get", description: 'Fix /b', update: { x: 1 } }));
    expect(act).toThrow(OverlayTargetError);
    expect(act).toThrow(`overlay action #1 (target $.paths['/b'].get: Fix /b) matches nothing in the upstream spec`);
  });

  it('refuses JSONPath it does not understand instead of guessing', () => {
    expect(() => query(doc(), '$..email')).toThrow(/Unsupported JSONPath syntax/);
  });

  it('every action of the real overlay matches the real upstream spec', async () => {
    const upstream = parse(await readFile(join(root, 'spec/stripe-billing-meters.yaml'), 'utf8')) as Json;
    const ours = parse(await readFile(join(root, 'spec/stripe-billing-meters.overlay.yaml'), 'utf8')) as OverlayDocument;
    expect(() => applyOverlay(upstream, ours)).not.toThrow();
    expect(ours.actions.length).toBeGreaterThan(40);
  });

  it('npm run generate fails with the name of an action that no longer matches', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stripe-meters-overlay-'));
    try {
      await cp(join(root, 'spec'), join(dir, 'spec'), { recursive: true });
      await cp(join(root, 'scripts'), join(dir, 'scripts'), { recursive: true });
      await cp(join(root, 'package.json'), join(dir, 'package.json'));
      await symlink(join(root, 'node_modules'), join(dir, 'node_modules'));
      const overlayPath = join(dir, 'spec/stripe-billing-meters.overlay.yaml');
      const text = await readFile(overlayPath, 'utf8');
      // An upstream rename that the overlay did not follow.
      await writeFile(overlayPath, text.replace("$.paths['/v1/billing/meter_events'].post.requestBody", "$.paths['/v1/billing/meter_events_renamed'].post.requestBody"));
      const run = promisify(execFile)(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), join(dir, 'scripts/generate.ts'), '--check'], { cwd: dir });
      const error = (await run.then(() => undefined, (e: unknown) => e)) as { code: number; stderr: string } | undefined;
      expect(error?.code).toBe(1);
      expect(error?.stderr).toMatch(/overlay action #\d+ \(target \$\.paths\['\/v1\/billing\/meter_events_renamed'\]\.post\.requestBody.*matches nothing/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
