// The command tree (commander): flags, help with examples, and how each command is run. run()
// returns the exit code; every failure is one line on stderr.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { BASE_URL_VARIABLE, createClient, resolveTarget, type ClientFlags } from './client.js';
import type { CommandContext } from './context.js';
import { CliError, describeError } from './errors.js';
import { examples } from './format.js';
import { addOutboxCommands } from './outbox-command.js';
import { meterAction, metersCreate, metersList, metersUpdate, type MeterAction } from './meters-command.js';
import { summariesCommand, type SummariesFlags } from './summaries-command.js';
import { uploadCommand, type UploadFlags } from './upload/upload-command.js';
import { FORMATS } from './upload/source.js';

const VERSION = '0.1.0';

export type EmulatorCommand = (argv: string[]) => Promise<number>;

function positive(name: string, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new InvalidArgumentError(`${name} must be a positive ${integer ? 'integer' : 'number'}`);
    return n;
  };
}

function clientOptions(cmd: Command): Command {
  return cmd
    .option('--api-key <key>', 'secret or restricted key (default: $STRIPE_SECRET_KEY)')
    .option('--base-url <url>', `one server for both Stripe hosts, such as the emulator, http://127.0.0.1:12111 (default: $${BASE_URL_VARIABLE}, else Stripe)`)
    .option('--live', 'allow a live key (sk_live_...): this works on live data');
}


const ENVIRONMENT = `
Environment:
  STRIPE_SECRET_KEY       the API key, when --api-key is not given
  ${BASE_URL_VARIABLE}  the server, when --base-url is not given (e.g. the emulator)
`;

/** `(required)` after an option's description: commander's help does not say it. */
const required = (text: string) => `${text} (required)`;

export function buildProgram(ctx: CommandContext, emulator: EmulatorCommand, setCode: (code: number) => void): Command {
  const program = new Command('stripe-meters')
    .description("Stripe Billing Meters from the command line: upload usage files, manage meters, read usage")
    .version(VERSION)
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
      outputError: (s, write) => write(`stripe-meters: ${s.replace(/^error: /, '')}`),
    })
    .addHelpText(
      'after',
      `${examples([
        'stripe-meters emulator --port 12111 &',
        'export STRIPE_SECRET_KEY=sk_test_123 STRIPE_METERS_BASE_URL=http://127.0.0.1:12111',
        'stripe-meters meters create --display-name "API calls" --event-name api_call --formula sum',
        'stripe-meters upload usage.csv',
        'stripe-meters summaries api_call --customer cus_123 --from -24h --to now --window hour',
      ])}${ENVIRONMENT}`,
    );
  const client = (flags: ClientFlags) => createClient(flags, ctx);
  // Failures name the server the command talked to: its URL, or Stripe when it was Stripe.
  const guarded =
    <A extends unknown[]>(action: (...args: A) => Promise<number>) =>
    async (...args: A): Promise<void> => {
      const flags = args.find((a): a is ClientFlags => typeof a === 'object' && a !== null && !(a instanceof Command)) ?? {};
      try {
        setCode(await action(...args));
      } catch (error) {
        if (error instanceof CliError) throw error;
        let baseUrl: string | undefined;
        try {
          baseUrl = resolveTarget(flags, ctx.env).baseUrl;
        } catch {
          baseUrl = undefined;
        }
        throw new CliError(describeError(error, baseUrl));
      }
    };

  clientOptions(
    program
      .command('upload')
      .description("send a usage file in Stripe's Billing Meter Event Transaction template (CSV, JSON or JSON Lines) exactly once, resuming after an interruption")
      .argument('<file>', 'columns identifier (optional), timestamp, event_name, payload_<key>...')
      .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(FORMATS))
      .addOption(new Option('--via <how>', 'the v2 meter event stream, or one v1 request per event').choices(['stream', 'v1']).default('stream'))
      .option('--rate <n>', 'at most n events per second', positive('--rate', false))
      .option('--dry-run', 'check every row (meters are listed) but send nothing; no rejects file unless --rejects')
      .option('--rejects <path>', 'refused rows and reasons (default: FILE.rejects.csv)')
      .option('--state <path>', 'progress, for resuming (default: FILE.upload-state.json)')
      .option('--restart', 'ignore an earlier run of this file and send every row again (Stripe drops those it has)')
      .option('--json', 'print the summary as JSON'),
  )
    .addHelpText(
      'after',
      `${examples([
        'stripe-meters upload usage.csv                       # backfill; Ctrl-C stops cleanly',
        'stripe-meters upload usage.csv                       # the same command again resumes',
        'stripe-meters upload usage.jsonl --via v1 --rate 20  # test mode allows about 25 requests/s',
        'stripe-meters upload usage.csv --dry-run --rejects bad.csv  # check first, send nothing',
        'stripe-meters upload usage.csv --restart                  # after editing the file',
        'stripe-meters upload usage.csv.rejects.csv           # after fixing the refused rows',
      ])}
Rows are checked with Stripe's rules first; a row Stripe would refuse or drop is refused here
(with the reason, in the rejects file), never sent. A row without an identifier gets one derived
from its content (not its place), so a re-run, a resumed run, --restart or an edited file never
counts an unchanged row twice (within Stripe's 24 hours); two identical rows are two events.
Exit codes: 0 every row accepted, 2 some refused, 1 a failure, 130 interrupted.
${ENVIRONMENT}`,
    )
    .action(guarded((file: string, flags: UploadFlags) => uploadCommand(file, flags, ctx)));

  const meters = program.command('meters').description('list, create, read, rename, deactivate and reactivate meters');
  meters.addHelpText('after', `${examples(['stripe-meters meters list --status active', 'stripe-meters meters create --display-name "API calls" --event-name api_call --formula sum', 'stripe-meters meters deactivate mtr_123'])}${ENVIRONMENT}`);
  clientOptions(meters.command('list').description('meters, newest first'))
    .addOption(new Option('--status <status>', 'only active or inactive meters').choices(['active', 'inactive']))
    .option('--limit <n>', 'at most n meters', positive('--limit', true), 100)
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['stripe-meters meters list', 'stripe-meters meters list --status inactive --json']))
    .action(guarded((flags: { status?: 'active' | 'inactive'; limit: number; json?: boolean } & ClientFlags) => metersList(client(flags), flags, ctx)));
  clientOptions(meters.command('create').description('create a meter'))
    .requiredOption('--display-name <name>', required('the name shown on invoices'))
    .requiredOption('--event-name <name>', required('the event_name its events carry'))
    .addOption(new Option('--formula <formula>', required('how events add up')).choices(['sum', 'count', 'last']).makeOptionMandatory())
    .option('--customer-key <key>', 'payload key holding the customer id (default: stripe_customer_id)')
    .option('--value-key <key>', 'payload key holding the value (default: value)')
    .addOption(new Option('--event-time-window <window>', 'pre-aggregated events: the latest per customer per hour or day counts').choices(['hour', 'day']))
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['stripe-meters meters create --display-name "API calls" --event-name api_call --formula sum', 'stripe-meters meters create --display-name Seats --event-name seats --formula last --value-key seats']))
    .action(guarded((flags: Parameters<typeof metersCreate>[1] & ClientFlags) => metersCreate(client(flags), flags, ctx)));
  for (const [action, what] of [
    ['retrieve', 'show a meter'],
    ['deactivate', 'stop a meter from accepting events'],
    ['reactivate', 'let an inactive meter accept events again'],
  ] as const) {
    clientOptions(meters.command(action).description(what).argument('<id>', 'meter id (mtr_...)'))
      .option('--json', 'print JSON')
      .addHelpText('after', examples([`stripe-meters meters ${action} mtr_123`]))
      .action(guarded((id: string, flags: { json?: boolean } & ClientFlags) => meterAction(client(flags), action satisfies MeterAction, id, flags, ctx)));
  }
  clientOptions(meters.command('update').description("rename a meter (the only change Stripe allows)").argument('<id>', 'meter id (mtr_...)'))
    .requiredOption('--display-name <name>', required('the new name'))
    .option('--json', 'print JSON')
    .addHelpText('after', examples(['stripe-meters meters update mtr_123 --display-name "API calls (v2)"']))
    .action(guarded((id: string, flags: { displayName: string; json?: boolean } & ClientFlags) => metersUpdate(client(flags), id, flags, ctx)));

  clientOptions(program.command('summaries').description("a customer's usage on a meter, with a bar per hour or day").argument('<meter>', 'meter id (mtr_...) or event name'))
    .requiredOption('--customer <id>', required('customer id (cus_...)'))
    .requiredOption('--from <time>', required('start: unix seconds, ISO date or date-time, now, or an offset such as -24h'))
    .requiredOption('--to <time>', required('end (exclusive), same forms'))
    .addOption(new Option('--window <window>', 'one summary per hour or day (default: one for the whole range)').choices(['hour', 'day']))
    .option('--json', 'print the summaries as JSON')
    .addHelpText('after', `${examples(['stripe-meters summaries api_call --customer cus_123 --from -24h --to now --window hour', 'stripe-meters summaries mtr_123 --customer cus_123 --from 2026-11-01 --to 2026-11-08 --window day --json'])}${ENVIRONMENT}`)
    .action(guarded((meter: string, flags: SummariesFlags & ClientFlags) => summariesCommand(client(flags), meter, flags, ctx)));

  addOutboxCommands(program, ctx, setCode);

  program
    .command('emulator')
    .description('a local, stateful Billing Meters emulator over HTTP (both Stripe hosts on one port); see stripe-meters emulator --help')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .argument('[args...]', 'passed to the emulator')
    .action(async (args: string[]) => setCode(await emulator(args)));
  return program;
}

export async function run(argv: string[], ctx: CommandContext, emulator: EmulatorCommand): Promise<number> {
  let code = 0;
  const program = buildProgram(ctx, emulator, (c) => (code = c));
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 1;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    ctx.stderr.write(`stripe-meters: ${describeError(error)}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  }
}
