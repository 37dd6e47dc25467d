// The client the commands use: the key from --api-key or STRIPE_SECRET_KEY, a live key only with
// --live, and --base-url for both of Stripe's hosts (the emulator serves both on one URL).
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

export function createClient(flags: ClientFlags, deps: ClientDeps, options: { maxNetworkRetries?: number } = {}): StripeMeters {
  const key = flags.apiKey ?? deps.env.STRIPE_SECRET_KEY;
  if (key === undefined || key.trim() === '') throw new CliError('no API key: set STRIPE_SECRET_KEY or pass --api-key (a secret key sk_... or a restricted key rk_...)');
  if (/^(sk|rk)_live_/.test(key) && flags.live !== true) throw new CliError('this is a live key: pass --live to work on live data (or use a test key, sk_test_...)');
  let baseUrl = flags.baseUrl;
  if (baseUrl !== undefined) {
    if (!/^https?:\/\/[^/]/.test(baseUrl)) throw new CliError(`--base-url must be an http(s) URL, got "${baseUrl}"`);
    baseUrl = baseUrl.replace(/\/+$/, '');
  }
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
