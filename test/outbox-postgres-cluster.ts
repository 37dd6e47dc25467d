// A throwaway PostgreSQL cluster for the outbox tests: Debian's binaries, a free loopback port,
// data and socket in a temporary directory, run as the postgres user (PostgreSQL refuses root).
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const BIN = process.env['PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

export interface Cluster {
  url: string;
  pool(max?: number): pg.Pool;
  /** A fresh database in the cluster (named `prefix_N`), and a pool of 8 on it; ended by stop() if not before. */
  database(prefix?: string): Promise<{ url: string; pool: pg.Pool }>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export const postgresAvailable = () => existsSync(join(BIN, 'initdb'));

export async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'outbox-pg-'));
  const root = process.getuid?.() === 0;
  const as = (cmd: string, args: string[]) => (root ? ['runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args]] : [join(BIN, cmd), args]) as [string, string[]];
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  execFileSync(...as('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']), { stdio: 'ignore' });
  const port = await freePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=60`;
  execFileSync(...as('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start']), { stdio: 'ignore' });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const pools: pg.Pool[] = [];
  const poolOn = (connectionString: string, max: number) => {
    const pool = new pg.Pool({ connectionString, max });
    pools.push(pool);
    return pool;
  };
  let databases = 0;
  return {
    url,
    pool: (max = 10) => poolOn(url, max),
    database: async (prefix = 'db') => {
      const name = `${prefix}_${++databases}`;
      const admin = new pg.Pool({ connectionString: url, max: 1 });
      await admin.query(`CREATE DATABASE ${name}`);
      await admin.end();
      const at = url.replace(/\/postgres$/, `/${name}`);
      return { url: at, pool: poolOn(at, 8) };
    },
    stop: async () => {
      await Promise.all(pools.map((p) => p.end().catch(() => undefined)));
      spawnSync(...as('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']), { stdio: 'ignore' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
