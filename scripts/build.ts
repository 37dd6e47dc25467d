// npm run build -> dist/: declarations from tsc (src/tsconfig.build.json), JavaScript from esbuild,
// one file per entry point plus shared chunks. Node loads one module per file: a client spread over
// thirty files took twice as long to import as the same code in a few.
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'src', 'tsconfig.build.json')], { stdio: 'inherit' });
await build({
  absWorkingDir: root,
  // The package's entry points (package.json "exports" and "bin").
  entryPoints: ['src/index.ts', 'src/index.node.ts', 'src/emulator/index.ts', 'src/emulator/server.node.ts', 'src/outbox/index.ts', 'src/outbox/sqlite.node.ts', 'src/outbox/postgres.node.ts', 'src/cli/main.ts'],
  outbase: 'src',
  outdir: 'dist/src',
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  // Portable output: Node built-ins (only in *.node.ts and src/cli/) and packages stay imports.
  platform: 'neutral',
  external: ['node:*'],
  packages: 'external',
  target: 'es2022',
  sourcemap: true,
  sourcesContent: true,
  logLevel: 'warning',
});
