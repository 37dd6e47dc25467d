import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { unmatchedTargets, type OverlayAction } from '../scripts/overlay.js';

const root = join(import.meta.dirname, '..');
const upstream = {
  info: { title: 'x', contact: { email: ['x'] } },
  servers: [{ url: 'https://a/' }],
  paths: { '/a': { get: { parameters: [{ name: 'limit', schema: { type: 'integer' } }, { name: 'q' }], responses: {} } } },
};
const check = (actions: OverlayAction[], ...docs: unknown[]) => unmatchedTargets({ actions }, ...(docs.length > 0 ? docs : [upstream]));

describe('overlay target check', () => {
  it('passes targets that match: names, indexes, wildcards, filters, primitives', () => {
    expect(
      check([
        { target: '$.info.contact.email' },
        { target: '$.servers[0]' },
        { target: "$.paths['/a'].get.parameters[?@.name == 'limit']" },
        { target: "$.paths['/a'].get.parameters[?@.name == 'limit'].schema" },
        { target: '$.paths.*.*.responses' },
        { target: '$.info.title' },
      ]),
    ).toEqual([]);
  });

  it('names each action that matches nothing by index, target and the first line of its description', () => {
    expect(
      check([
        { target: '$.info' },
        { target: "$.paths['/b'].get", description: 'Fix /b\nbecause upstream is wrong' },
        { target: "$.paths['/a'].get.parameters[?@.name == 'starting_after']" },
        { target: '$.servers[1]' },
      ]),
    ).toEqual([
      "overlay action #1 (target $.paths['/b'].get: Fix /b) matches nothing",
      "overlay action #2 (target $.paths['/a'].get.parameters[?@.name == 'starting_after']) matches nothing",
      'overlay action #3 (target $.servers[1]) matches nothing',
    ]);
  });

  it('compares filter values exactly, as RFC 9535 does', () => {
    expect(check([{ target: "$.paths['/a'].get.parameters[?@.name == 'Limit']" }])).toHaveLength(1);
    expect(check([{ target: "$.paths['/a'].get.parameters[?@.name == 'limit' && @.schema.type == 'integer']" }])).toEqual([]);
  });

  it('passes a target that only a later document has (a node an earlier action added)', () => {
    const result = { ...upstream, components: { responses: { NotFound: { description: 'no' } } } };
    expect(check([{ target: '$.components.responses.*' }], upstream)).toHaveLength(1);
    expect(check([{ target: '$.components.responses.*' }], upstream, result)).toEqual([]);
  });

  it('reports a target that is not JSONPath instead of passing it', () => {
    const [problem, ...rest] = check([{ target: 'info.contact' }]);
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^overlay action #0 \(target info\.contact\) is not valid JSONPath: /);
  });

  it('uses the JSONPath library at the version Redocly bundles to apply overlays', async () => {
    const notices = await readFile(join(root, 'node_modules/@redocly/cli/THIRD_PARTY_NOTICES'), 'utf8');
    const ours = JSON.parse(await readFile(join(root, 'node_modules/jsonpath-rfc9535/package.json'), 'utf8')) as { version: string };
    expect(notices).toContain(`jsonpath-rfc9535@${ours.version} `);
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
