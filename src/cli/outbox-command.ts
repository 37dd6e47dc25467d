// stripe-meters outbox status|dead-letters|retry|mark-delivered|migrate: look into an outbox (SQLite file or
// PostgreSQL database) and act on what needs a person. The stores (and better-sqlite3 or pg) are
// loaded only when asked for, so the rest of the command line never needs them.
import { examples } from './format.js';
import type { Command } from 'commander';
import { DEFAULT_WARN_BEFORE_WINDOW_MS, TIMESTAMP_WINDOW_MS } from '../outbox/settings.js';
import type { OutboxStore } from '../outbox/store.js';
import type { CommandContext } from './context.js';
import { CliError } from './errors.js';

export interface OutboxFlags {
  sqlite?: string;
  postgres?: string;
  json?: boolean;
}

const DAY = 86_400_000;

async function openStore(flags: OutboxFlags, ctx: CommandContext): Promise<{ store: OutboxStore; done: () => Promise<void> }> {
  const url = flags.postgres ?? (flags.sqlite === undefined ? ctx.env['DATABASE_URL'] : undefined);
  if (flags.sqlite !== undefined && url !== undefined && flags.postgres !== undefined) throw new CliError('pass --sqlite <file> or --postgres <url>, not both');
  if (flags.sqlite !== undefined) {
    const { sqliteStore } = await import('../outbox/sqlite.node.js').catch((error: unknown) => {
      throw new CliError(`the SQLite outbox needs better-sqlite3 (npm install better-sqlite3@12): ${(error as Error).message}`);
    });
    // An existing outbox only: a mistyped path must not become a new, empty outbox that looks healthy.
    let store: OutboxStore;
    try {
      store = sqliteStore(flags.sqlite, { mustExist: true });
    } catch (error) {
      if ((error as { code?: unknown }).code === 'missing') throw new CliError(`no outbox at ${flags.sqlite}: the file does not exist. Check the path (the file your app passes to sqliteStore()); stripe-meters outbox migrate --sqlite <file> creates an empty one`);
      throw error;
    }
    return { store, done: () => store.close() };
  }
  if (url === undefined) throw new CliError('which outbox? pass --sqlite <file> or --postgres <url> (or set DATABASE_URL)');
  const [{ postgresStore }, pg] = await Promise.all([import('../outbox/postgres.node.js'), import('pg')]).catch((error: unknown) => {
    throw new CliError(`the PostgreSQL outbox needs pg (npm install pg): ${(error as Error).message}`);
  });
  const pool = new pg.default.Pool({ connectionString: url, max: 2 });
  const store = postgresStore(pool, { migrate: false });
  return {
    store,
    done: async () => {
      await store.close();
      await pool.end();
    },
  };
}

async function withStore<T>(flags: OutboxFlags, ctx: CommandContext, work: (store: OutboxStore) => Promise<T>): Promise<T> {
  const { store, done } = await openStore(flags, ctx);
  try {
    return await work(store);
  } finally {
    await done();
  }
}

const age = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)}s` : ms < 2 * 3_600_000 ? `${Math.round(ms / 60_000)}m` : ms < 2 * DAY ? `${Math.round(ms / 3_600_000)}h` : `${Math.round(ms / DAY)}d`);

export async function outboxStatus(flags: OutboxFlags, ctx: CommandContext): Promise<number> {
  const now = (ctx.now ?? Date.now)();
  const stats = await withStore(flags, ctx, (store) => store.stats(now, now - TIMESTAMP_WINDOW_MS + DEFAULT_WARN_BEFORE_WINDOW_MS));
  if (flags.json === true) {
    ctx.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
  } else {
    const rows: Array<[string, string]> = [
      ['recorded', String(stats.recorded)],
      ['pending', String(stats.pending)],
      ['in flight', String(stats.inFlight)],
      ['delivered', String(stats.delivered)],
      ['dead letters', String(stats.dead)],
      ['held', String(stats.held)],
      ['nearing 35 days', String(stats.nearingWindow)],
      ['oldest pending', stats.oldestPendingAgeMs === 0 ? '-' : age(stats.oldestPendingAgeMs)],
    ];
    for (const [name, value] of rows) ctx.stdout.write(`${name.padEnd(16)}${value}\n`);
    if (stats.dead + stats.held > 0) ctx.stdout.write(`\n${stats.dead + stats.held} event(s) need a decision: stripe-meters outbox dead-letters\n`);
  }
  // Exit 2 when something needs a person: usable as a health check.
  return stats.dead + stats.held + stats.nearingWindow > 0 ? 2 : 0;
}

export async function outboxLetters(flags: OutboxFlags & { held?: boolean; dead?: boolean; limit: number }, ctx: CommandContext): Promise<number> {
  const state = flags.held === true ? 'held' : flags.dead === true ? 'dead' : undefined;
  const letters = await withStore(flags, ctx, (store) => store.letters({ limit: flags.limit, ...(state === undefined ? {} : { state }) }));
  if (flags.json === true) ctx.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
  else if (letters.length === 0) ctx.stdout.write('no dead letters and no held events\n');
  else {
    for (const l of letters) {
      ctx.stdout.write(`${l.id}  ${l.state.padEnd(4)}  ${new Date(l.at).toISOString()}  ${l.event_name}  ${l.identifier}\n      ${l.error === undefined ? '' : `${l.error.type}${l.error.statusCode === undefined ? '' : ` ${l.error.statusCode}`}: `}${l.reason}\n`);
    }
  }
  return 0;
}

export async function outboxRetry(flags: OutboxFlags & { held?: boolean; id?: string[]; all?: boolean }, ctx: CommandContext): Promise<number> {
  if ((flags.id === undefined) === (flags.all !== true)) throw new CliError('say which: --id <id...> (from stripe-meters outbox dead-letters) or --all');
  const ids = flags.id;
  if (ids !== undefined && ids.some((id) => !/^\d+$/.test(id))) throw new CliError('--id takes the row ids that stripe-meters outbox dead-letters prints');
  const state = flags.held === true ? 'held' : 'dead';
  const now = (ctx.now ?? Date.now)();
  const { requeued, kept } = await withStore(flags, ctx, (store) => store.requeue({ state, ...(ids === undefined ? {} : { ids }) }, now));
  ctx.stdout.write(`${requeued} ${state === 'held' ? 'held event(s)' : 'dead letter(s)'} back in the outbox; a running relay sends them with their identifiers\n`);
  if (kept > 0) ctx.stdout.write(`${kept} dead letter(s) left in place: their identifier was recorded again since, and Stripe would drop a second event with it (stripe-meters outbox dead-letters lists them)\n`);
  return 0;
}

export async function outboxMarkDelivered(flags: OutboxFlags & { id: string[] }, ctx: CommandContext): Promise<number> {
  if (flags.id.some((id) => !/^\d+$/.test(id))) throw new CliError('--id takes the row ids that stripe-meters outbox dead-letters --held prints');
  const now = (ctx.now ?? Date.now)();
  const n = await withStore(flags, ctx, (store) => store.markHeldDelivered(flags.id, now));
  ctx.stdout.write(`${n} held event(s) marked delivered; they will not be sent\n`);
  return 0;
}

export async function outboxMigrate(flags: OutboxFlags & { print?: boolean }, ctx: CommandContext): Promise<number> {
  if (flags.sqlite !== undefined) {
    // SQLite creates its tables when it opens a file: this is the one command that may create it.
    const { sqliteStore } = await import('../outbox/sqlite.node.js').catch((error: unknown) => {
      throw new CliError(`the SQLite outbox needs better-sqlite3 (npm install better-sqlite3@12): ${(error as Error).message}`);
    });
    await sqliteStore(flags.sqlite).close();
    ctx.stdout.write(`the outbox tables are up to date in ${flags.sqlite}\n`);
    return 0;
  }
  const { migrationScript, migrate } = await import('../outbox/postgres.node.js');
  if (flags.print === true) {
    ctx.stdout.write(migrationScript());
    return 0;
  }
  const url = flags.postgres ?? ctx.env['DATABASE_URL'];
  if (url === undefined) throw new CliError('migrate needs --postgres <url> (or DATABASE_URL) or --sqlite <file>, or --print for the SQL');
  const pg = await import('pg');
  const pool = new pg.default.Pool({ connectionString: url, max: 1 });
  try {
    const applied = await migrate(pool);
    ctx.stdout.write(applied.length === 0 ? 'the outbox tables are up to date\n' : `applied migration(s) ${applied.join(', ')}\n`);
  } finally {
    await pool.end();
  }
  return 0;
}

/** Adds `outbox` and its subcommands to the program. */
export function addOutboxCommands(program: Command, ctx: CommandContext, setCode: (code: number) => void): void {
  const outbox = program.command('outbox').description('the durable outbox (stripe-meters/outbox): status, dead letters and held events, retry, PostgreSQL migrations');
  outbox.addHelpText('after', examples(['stripe-meters outbox status --sqlite usage.db', 'stripe-meters outbox dead-letters --postgres $DATABASE_URL', 'stripe-meters outbox migrate --print > outbox.sql']));
  const where = (cmd: Command) => cmd.option('--sqlite <file>', 'the SQLite outbox file').option('--postgres <url>', 'the PostgreSQL database (default: $DATABASE_URL)');
  where(outbox.command('status').description('counts: pending, in flight, delivered, dead letters, held, nearing the 35-day window; exit 2 when something needs a decision'))
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['stripe-meters outbox status --sqlite usage.db', 'stripe-meters outbox status --postgres postgres://localhost/app --json']))
    .action(async (flags: OutboxFlags) => setCode(await outboxStatus(flags, ctx)));
  where(outbox.command('dead-letters').description('events Stripe refused (with its error) and events held at the 24-hour horizon'))
    .option('--held', 'only held events')
    .option('--dead', 'only dead letters')
    .option('--limit <n>', 'at most n of each', (v) => Number.parseInt(v, 10), 100)
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['stripe-meters outbox dead-letters --sqlite usage.db', 'stripe-meters outbox dead-letters --held --json']))
    .action(async (flags: OutboxFlags & { held?: boolean; dead?: boolean; limit: number }) => setCode(await outboxLetters(flags, ctx)));
  where(outbox.command('retry').description('send dead letters (or, with --held, held events) again with their identifiers'))
    .option('--id <id...>', 'row ids from dead-letters')
    .option('--all', 'every dead letter (or every held event)')
    .option('--held', 'held events: only after checking at Stripe that they did not land (a resend of one that did counts twice)')
    .addHelpText('after', examples(['stripe-meters outbox retry --sqlite usage.db --id 42 43', 'stripe-meters outbox retry --sqlite usage.db --all', 'stripe-meters outbox retry --sqlite usage.db --held --id 7']))
    .action(async (flags: OutboxFlags & { held?: boolean; id?: string[]; all?: boolean }) => setCode(await outboxRetry(flags, ctx)));
  where(outbox.command('mark-delivered').description('held events you found at Stripe: mark them delivered, never send them again'))
    .requiredOption('--id <id...>', 'row ids from dead-letters --held')
    .addHelpText('after', examples(['stripe-meters outbox mark-delivered --sqlite usage.db --id 7']))
    .action(async (flags: OutboxFlags & { id: string[] }) => setCode(await outboxMarkDelivered(flags, ctx)));
  outbox
    .command('migrate')
    .description('create or update the outbox tables in PostgreSQL or a SQLite file (or print the PostgreSQL SQL)')
    .option('--sqlite <file>', 'the SQLite outbox file (created when missing)')
    .option('--postgres <url>', 'the database (default: $DATABASE_URL)')
    .option('--print', 'print the SQL instead, for your own migration tool')
    .addHelpText('after', examples(['stripe-meters outbox migrate --postgres postgres://localhost/app', 'stripe-meters outbox migrate --print > 0042_stripe_meters_outbox.sql']))
    .action(async (flags: OutboxFlags & { print?: boolean }) => setCode(await outboxMigrate(flags, ctx)));
}
