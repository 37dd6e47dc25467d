// The benchmark's package figures: browser bundle sizes of "list meters", and cold import times
// (a fresh `node` importing the package), sampled in rounds like the network scenarios.
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const run = promisify(execFile);

/**
 * An entry that lists meters with each package, bundled for browsers, written as the README shows:
 * stripe-meters with the core and the one resource it uses, and with the full client.
 */
export const BUNDLE_ENTRIES = {
  ours: `import { StripeMetersCore, Meters } from 'stripe-meters'; export default () => new Meters(new StripeMetersCore('sk_test_x')).list();`,
  oursFull: `import { StripeMeters } from 'stripe-meters'; export default () => new StripeMeters('sk_test_x').billing.meters.list();`,
  official: `import Stripe from 'stripe'; export default () => new Stripe('sk_test_x').billing.meters.list();`,
  openapiFetch: `import createClient from 'openapi-fetch'; export default () => createClient({ baseUrl: 'https://api.stripe.com' }).GET('/v1/billing/meters');`,
};

export interface BundleSize {
  min: number;
  gzip: number;
}

/** min and min+gzip (default level) of `entry` bundled by esbuild, minified, for the browser. */
export async function bundleSize(entry: string, root: string): Promise<BundleSize> {
  // `stripe-meters` resolves through the package's own exports with the browser conditions, as
  // it would in a user's bundler.
  const result = await build({
    stdin: { contents: entry, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  const bytes = result.outputFiles[0]?.contents ?? new Uint8Array();
  return { min: bytes.length, gzip: gzipSync(bytes).length };
}

/**
 * Bundles scripts/<name>.ts into `work`/<name>.mjs, one file per scenario process: packages stay
 * imports, resolved by node as a user's would be; only our scripts are bundled.
 */
export async function bundleScripts(root: string, work: string, names: readonly string[]): Promise<void> {
  mkdirSync(work, { recursive: true });
  await build({
    entryPoints: names.map((name) => join(root, 'scripts', `${name}.ts`)),
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outdir: work,
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
}

/** Milliseconds a fresh node process takes to import the module at `url` (startup excluded). */
export async function importMs(url: string, cwd: string): Promise<number> {
  const code = `const t = performance.now(); await import(${JSON.stringify(url)}); console.log(performance.now() - t);`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', code], { cwd });
  return Number(stdout.trim());
}
