// The client the commands use: the key from --api-key or STRIPE_SECRET_KEY, a live key only with
// --live, and one base URL for both of Stripe's hosts from --base-url or STRIPE_METERS_BASE_URL
// (the emulator serves both on one URL).
import { StripeMeters, type FetchLike } from '../index.node.js';
import { CliError } from './errors.js';

export interface ClientFlags {
  apiKey?: string;
  baseUrl?: string;
  live?: boolean;
}

export interface ClientDeps {
  env: Record<string, string | undefined>;
  /** A fetch for tests; by default the client's own Node transport (node:http, keep-alive). */
  fetch?: FetchLike;
  /** The clock event times are checked with (the command's). @unit milliseconds @default Date.now */
  now?: () => number;
}

/** The environment variable that sets --base-url. */
export const BASE_URL_VARIABLE = 'STRIPE_METERS_BASE_URL';

/** Where the commands send, and with which key: the flags, else the environment. */
export function resolveTarget(flags: ClientFlags, env: ClientDeps['env']): { key: string; baseUrl: string | undefined } {
  const key = flags.apiKey ?? env.STRIPE_SECRET_KEY;
  if (key === undefined || key.trim() === '') throw new CliError('no API key: set STRIPE_SECRET_KEY or pass --api-key (a secret key sk_... or a restricted key rk_...)');
  if (/^(sk|rk)_live_/.test(key) && flags.live !== true) throw new CliError('this is a live key: pass --live to work on live data (or use a test key, sk_test_...)');
  const given = flags.baseUrl ?? (env[BASE_URL_VARIABLE] === '' ? undefined : env[BASE_URL_VARIABLE]);
  if (given === undefined) return { key, baseUrl: undefined };
  const name = flags.baseUrl === undefined ? BASE_URL_VARIABLE : '--base-url';
  if (!/^https?:\/\/[^/]/.test(given)) throw new CliError(`${name} must be an http(s) URL, got "${given}"`);
  return { key, baseUrl: given.replace(/\/+$/, '') };
}

export function createClient(flags: ClientFlags, deps: ClientDeps, options: { maxNetworkRetries?: number } = {}): StripeMeters {
  const { key, baseUrl } = resolveTarget(flags, deps.env);
  const { fetch, now } = deps;
  try {
    return new StripeMeters(key, {
      ...(baseUrl === undefined ? {} : { baseUrl, meterEventsBaseUrl: baseUrl }),
      ...(fetch === undefined ? {} : { fetch }),
      ...(now === undefined ? {} : { now }),
      ...options,
    });
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}
