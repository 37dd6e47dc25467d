// What the command prints when it fails: one line, never a stack trace, naming the server it
// talked to (its URL, or Stripe only when it was Stripe).
import { StripeAuthenticationError, StripeConnectionError, StripeError, StripePermissionError } from '../index.js';

/** A failure the user can act on; its message is the whole line printed. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** Stripe's hosts, as the commands reach them without --base-url. */
const STRIPE = 'Stripe (https://api.stripe.com, https://meter-events.stripe.com)';

/** Why a connection failed, said about `server` rather than about Stripe. */
function connectionFailure(message: string, server: string): string {
  const reason = message
    .replace(/^Could not connect to Stripe: /, '')
    .replace(/^Request to Stripe (timed out.*)$/, '$1')
    .replace(/^The answer from Stripe (broke off.*)$/, 'the answer $1')
    .replace(/^(Request to Stripe|Meter event stream request) failed: /, '');
  return `could not reach ${server}: ${reason.replaceAll('Stripe', server)}`;
}

/** One line for any error; `baseUrl`: the server the command sent to when it was not Stripe. */
export function describeError(error: unknown, baseUrl?: string): string {
  const server = baseUrl ?? 'Stripe';
  if (error instanceof StripeAuthenticationError) return `${server} refused the API key: ${error.message}`;
  if (error instanceof StripePermissionError) return `the API key may not do this: ${error.message}`;
  if (error instanceof StripeConnectionError) return connectionFailure(error.message, baseUrl ?? STRIPE);
  if (error instanceof StripeError) {
    // No status: the client refused the input before sending anything.
    if (error.statusCode === undefined) return error.message;
    const code = error.code === undefined ? '' : ` (${error.code})`;
    return `${server} answered ${error.statusCode}${code}: ${error.message}`;
  }
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
