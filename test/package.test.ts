// The published package: what `npm pack` ships, and whether it bundles for browsers and edge
// runtimes (esbuild, platform neutral, no Node built-ins) and runs there (headless Chromium).
// `npm test` builds dist/ before vitest runs.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { listenOnLoopback } from '../scripts/loopback.js';
import { METER } from './helpers.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const entryFile = join(root, 'dist', 'src', 'index.js');

/** The entry a browser or edge app would ship: list meters against a given base URL. */
async function bundleEntry(): Promise<{ code: string; inputs: string[] }> {
  const result = await build({
    stdin: {
      contents: `import { StripeMeters } from ${JSON.stringify(entryFile)};
export async function listMeters(baseUrl) {
  const page = await new StripeMeters('sk_test_bundle', { baseUrl, maxNetworkRetries: 0 }).billing.meters.list();
  return page.data.map((m) => m.id).join(',');
}`,
      resolveDir: root,
      loader: 'js',
    },
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    minify: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  expect(result.errors).toEqual([]);
  return { code: result.outputFiles[0]?.text ?? '', inputs: Object.keys(result.metafile.inputs) };
}

/** A loopback server for the bundle: a page, the bundle, and the meters list endpoint. */
async function serve(bundle: string) {
  const page = `<!doctype html><html><body><pre id="out">pending</pre><script type="module">
import { listMeters } from './bundle.js';
listMeters(location.origin).then((ids) => { document.getElementById('out').textContent = 'OK ' + ids; },
  (e) => { document.getElementById('out').textContent = 'FAIL ' + e.name + ': ' + e.message; });
</script></body></html>`;
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers.authorization ?? ''}`);
    if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(page);
    else if (req.url === '/bundle.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else if (req.url?.startsWith('/v1/billing/meters')) {
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_browser' }).end(JSON.stringify({ object: 'list', data: [METER], has_more: false, url: '/v1/billing/meters' }));
    } else res.writeHead(404).end();
  });
  return { ...(await listenOnLoopback(server)), seen };
}

describe('the package', () => {
  it('npm pack ships only dist/, the README and package.json', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], { cwd: root });
    const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
    const files = (pack?.files ?? []).map((f) => f.path).sort();
    expect(files.filter((f) => !f.startsWith('dist/'))).toEqual(['README.md', 'package.json']);
    expect(files).toContain('dist/src/index.js');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('dist/src/index.js.map');
    expect(files).toContain('dist/generated/schema.d.ts');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.some((f) => /test|spec\/|scripts\//.test(f))).toBe(false);
  });

  it('bundles for platform neutral with no Node built-ins, and the bundle works', async () => {
    const { code, inputs } = await bundleEntry();
    expect(inputs.filter((i) => i.startsWith('node:') || !/dist\/|node_modules\/openapi-fetch|<stdin>/.test(i))).toEqual([]);
    expect(code).not.toMatch(/\bnode:|require\(/);
    // Our own code (minified, without comments) touches no Node global; openapi-fetch only
    // feature-detects `process` behind typeof.
    const ours = await build({ entryPoints: [entryFile], bundle: true, platform: 'neutral', format: 'esm', minify: true, write: false, external: ['openapi-fetch'], logLevel: 'silent' });
    expect(ours.outputFiles[0]?.text).not.toMatch(/\bprocess\b|\bBuffer\b|\bglobal\b|\b__dirname\b|\bnode:|\brequire\(/);
    const dir = await mkdtemp(join(tmpdir(), 'stripe-meters-bundle-'));
    const server = await serve(code);
    try {
      await writeFile(join(dir, 'bundle.mjs'), code);
      const { listMeters } = (await import(join(dir, 'bundle.mjs'))) as { listMeters: (url: string) => Promise<string> };
      expect(await listMeters(server.url)).toBe('mtr_123');
      expect(server.seen).toEqual(['GET /v1/billing/meters Bearer sk_test_bundle']);
    } finally {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the bundle runs in headless Chromium against a loopback server', async () => {
    const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
    expect(chromium, "Chromium is needed for this test: apt-get install chromium (.ci/run installs it)").toBeDefined();
    const { code } = await bundleEntry();
    const server = await serve(code);
    const profile = await mkdtemp(join(tmpdir(), 'stripe-meters-chromium-'));
    try {
      const { stdout } = await run(
        chromium ?? '',
        [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          `--user-data-dir=${profile}`,
          '--virtual-time-budget=10000',
          '--dump-dom',
          `${server.url}/`,
        ],
        { timeout: 60_000 },
      );
      expect(stdout).toContain('<pre id="out">OK mtr_123</pre>');
      expect(server.seen).toContain('GET /v1/billing/meters Bearer sk_test_bundle');
    } finally {
      await server.close();
      await rm(profile, { recursive: true, force: true });
    }
  }, 90_000);

  it('the built files carry their source maps with sources inlined', async () => {
    const map = JSON.parse(await readFile(join(root, 'dist', 'src', 'client.js.map'), 'utf8')) as { sourcesContent?: string[] };
    expect(map.sourcesContent?.[0]).toContain('export class StripeMeters');
  });
});
