// The command line's libraries ship as dependencies of the package, but the library never imports
// them: a browser bundle of the main entry holds our runtime code and openapi-fetch, nothing else.
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const CLI_LIBRARIES = ['commander', 'csv-parse', 'stream-json', 'stream-chain', 'cli-progress', 'string-width'];

describe('the main entry for browsers', () => {
  it('bundles none of the command line libraries, nor the command line', async () => {
    const result = await build({ entryPoints: [join(root, 'dist', 'src', 'index.js')], bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent' });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.includes('node_modules/openapi-fetch/'))).toBe(true);
    for (const library of CLI_LIBRARIES) expect(inputs.filter((i) => i.includes(`node_modules/${library}/`)), library).toEqual([]);
    expect(inputs.filter((i) => i.includes('dist/src/cli/'))).toEqual([]);
    expect(inputs.filter((i) => i.includes('node_modules/') && !i.includes('node_modules/openapi-fetch/'))).toEqual([]);
  });
});
