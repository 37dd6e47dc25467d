// The published package: what `npm pack` ships, which file each runtime resolves (Node gets the
// node:http transport, every other runtime the fetch transport), whether it bundles for browsers
// and edge runtimes with no Node built-in, and whether that bundle runs (Node, headless Chromium).
// `npm test` builds dist/ before vitest runs.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
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

/** A directory where `import 'stripe-meters'` resolves to this package, as in an app that installed it. */
async function app(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'stripe-meters-app-'));
  await mkdir(join(dir, 'node_modules'));
  await symlink(root, join(dir, 'node_modules', 'stripe-meters'), 'dir');
  return dir;
}

const LIST_METERS = `import { StripeMeters } from 'stripe-meters';
export async function listMeters(baseUrl) {
  const page = await new StripeMeters('sk_test_bundle', { baseUrl, maxNetworkRetries: 0 }).billing.meters.list();
  return page.data.map((m) => m.id).join(',');
}`;

/** The entry a browser or edge app would ship, bundled by esbuild for `platform` with `conditions`. */
async function bundleEntry(platform: 'browser' | 'neutral' = 'neutral', conditions: string[] = []): Promise<{ code: string; inputs: string[] }> {
  const dir = await app();
  try {
    const result = await build({
      stdin: { contents: LIST_METERS, resolveDir: dir, loader: 'js' },
      bundle: true,
      platform,
      conditions,
      // A neutral build has no main fields: take the package's "exports" (and "module") only.
      ...(platform === 'neutral' ? { mainFields: ['module', 'main'] } : {}),
      format: 'esm',
      minify: true,
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    return { code: result.outputFiles[0]?.text ?? '', inputs: Object.keys(result.metafile.inputs) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Node's resolution of a package.json "exports" entry for a set of conditions (first match in key order). */
function resolveExport(target: unknown, conditions: string[]): string | undefined {
  if (typeof target === 'string') return target;
  if (typeof target !== 'object' || target === null) return undefined;
  for (const [condition, next] of Object.entries(target)) {
    if (condition === 'default' || conditions.includes(condition)) {
      const found = resolveExport(next, conditions);
      if (found !== undefined) return found;
    }
  }
  return undefined;
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
  it('npm pack ships only dist/, the README, the LICENSE and package.json', async () => {
    const { stdout } = await run('npm', ['pack', '--dry-run', '--json'], { cwd: root });
    const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
    const files = (pack?.files ?? []).map((f) => f.path).sort();
    expect(files.filter((f) => !f.startsWith('dist/'))).toEqual(['LICENSE', 'README.md', 'package.json']);
    expect(files).toContain('dist/src/index.js');
    expect(files).toContain('dist/src/index.d.ts');
    expect(files).toContain('dist/src/index.js.map');
    expect(files).toContain('dist/generated/schema.d.ts');
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.some((f) => /test|spec\/|scripts\//.test(f))).toBe(false);
  });

  it('Node resolves the node:http transport; Bun, Deno, workers, edge, browsers and React Native the fetch transport', async () => {
    const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
    const runtimes: Record<string, string[]> = {
      node: ['node', 'import'],
      bun: ['bun', 'node', 'import'],
      deno: ['deno', 'node', 'import'],
      workerd: ['workerd', 'worker', 'browser', 'import'],
      'edge-light': ['edge-light', 'worker', 'browser', 'import'],
      browser: ['browser', 'import'],
      'react-native': ['react-native', 'import'],
      types: ['types', 'import'],
    };
    const resolved = Object.fromEntries(Object.entries(runtimes).map(([runtime, conditions]) => [runtime, resolveExport(pkg.exports['.'], conditions)]));
    expect(resolved).toEqual({
      node: './dist/src/index.node.js',
      bun: './dist/src/index.js',
      deno: './dist/src/index.js',
      workerd: './dist/src/index.js',
      'edge-light': './dist/src/index.js',
      browser: './dist/src/index.js',
      'react-native': './dist/src/index.js',
      types: './dist/src/index.d.ts',
    });
    // And Node itself agrees.
    const dir = await app();
    try {
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('stripe-meters'))"], { cwd: dir });
      expect(stdout.trim()).toMatch(/\/dist\/src\/index\.node\.js$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each<[string, 'browser' | 'neutral', string[]]>([
    ['browser', 'browser', []],
    ['neutral', 'neutral', []],
    ['workerd', 'neutral', ['workerd', 'worker', 'browser']],
    ['edge-light', 'neutral', ['edge-light']],
  ])('a %s bundle holds no Node built-in and no node:http transport', async (_, platform, conditions) => {
    const { code, inputs } = await bundleEntry(platform, conditions);
    expect(inputs.filter((i) => i.startsWith('node:') || i.includes('.node.js') || !/dist\/|node_modules\/openapi-fetch|<stdin>/.test(i))).toEqual([]);
    expect(code).not.toMatch(/\bnode:|require\(/);
  });

  it('our own code touches no Node global, and the neutral bundle works', async () => {
    // openapi-fetch only feature-detects `process` behind typeof.
    const ours = await build({ entryPoints: [entryFile], bundle: true, platform: 'neutral', format: 'esm', minify: true, write: false, external: ['openapi-fetch'], logLevel: 'silent' });
    expect(ours.outputFiles[0]?.text).not.toMatch(/\bprocess\b|\bBuffer\b|\bglobal\b|\b__dirname\b|\bnode:|\brequire\(/);
    const { code } = await bundleEntry();
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

  it('the published types strip internal constructors and name the results', async () => {
    const client = await readFile(join(root, 'dist', 'src', 'list-promise.d.ts'), 'utf8');
    expect(client).toContain('private constructor');
    expect(client).not.toMatch(/static of</);
    const meters = await readFile(join(root, 'dist', 'src', 'resources', 'meters.d.ts'), 'utf8');
    // A resource is made from a core (new Meters(core)); the core's request machinery stays internal.
    expect(meters).toContain('constructor(core: StripeMetersCore);');
    expect(meters).toContain('Promise<WithLastResponse<Meter>>');
    const core = await readFile(join(root, 'dist', 'src', 'client-core.d.ts'), 'utf8');
    expect(core).toContain('export declare class StripeMetersCore');
    expect(core).not.toMatch(/\b(send|request|openapi|transport|config)\b[(<:]/);
  });

  it('the bundle runs in headless Chromium against a loopback server', async () => {
    const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
    expect(chromium, "Chromium is needed for this test: apt-get install chromium (.ci/run installs it)").toBeDefined();
    const { code } = await bundleEntry('browser');
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
    const { readdir } = await import('node:fs/promises');
    const maps = (await readdir(join(root, 'dist', 'src'), { recursive: true })).filter((f) => f.endsWith('.js.map'));
    const sources = await Promise.all(maps.map(async (f) => JSON.parse(await readFile(join(root, 'dist', 'src', f), 'utf8')) as { sources: string[]; sourcesContent?: string[] }));
    const client = sources.flatMap((m) => m.sources.map((source, i) => [source, m.sourcesContent?.[i]] as const)).find(([source]) => source.endsWith('src/client.ts'));
    expect(client?.[1]).toContain('export class StripeMeters');
  });
});
