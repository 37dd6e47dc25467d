// What the command prints when it fails: one line, never a stack trace.
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

/** One line for any error. */
export function describeError(error: unknown): string {
  if (error instanceof StripeAuthenticationError) return `Stripe refused the API key: ${error.message}`;
  if (error instanceof StripePermissionError) return `the API key may not do this: ${error.message}`;
  if (error instanceof StripeConnectionError) return `could not reach Stripe: ${error.message}`;
  if (error instanceof StripeError) {
    // No status: the client refused the input before sending anything.
    if (error.statusCode === undefined) return error.message;
    const code = error.code === undefined ? '' : ` (${error.code})`;
    return `Stripe answered ${error.statusCode}${code}: ${error.message}`;
  }
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  return String(error);
}
