// A client's options, checked and with their defaults filled in, resolved once at construction.
import { DEFAULT_SERVER } from '../../generated/rules.js';
import { API_VERSION } from '../../generated/schema.js';
import { DEFAULT_MAX_NETWORK_RETRIES, DEFAULT_TIMEOUT_MS, type FetchLike, type StripeMetersOptions } from '../options.js';
import { checkBaseUrl, checkClientOptions } from './check-options.js';
import { DEFAULT_RETRY_DELAYS, type RetryDelays, type RetryPolicy } from './retry.js';

export interface ClientConfig {
  apiVersion: string;
  stripeAccount: string | undefined;
  maxNetworkRetries: number;
  /** @unit milliseconds */
  timeout: number;
  /** Where operations of the spec's default server go. */
  baseUrl: string;
  /** Where operations of any other server (the v2 stream's) go; undefined: their own server. */
  meterEventsBaseUrl: string | undefined;
  delays: RetryDelays;
  /** A request's retry policy: 1 + maxNetworkRetries attempts, no deadline. */
  policy: RetryPolicy;
  fetch: FetchLike | undefined;
  onRequest: StripeMetersOptions['onRequest'];
  onResponse: StripeMetersOptions['onResponse'];
  /** @unit milliseconds since the epoch */
  now: () => number;
}

export function resolveClientOptions(options: unknown): ClientConfig {
  const o = checkClientOptions(options);
  const maxNetworkRetries = o.maxNetworkRetries ?? DEFAULT_MAX_NETWORK_RETRIES;
  const delays = { ...DEFAULT_RETRY_DELAYS, ...o.retryDelay };
  return {
    apiVersion: o.apiVersion ?? API_VERSION,
    stripeAccount: o.stripeAccount,
    maxNetworkRetries,
    timeout: o.timeout ?? DEFAULT_TIMEOUT_MS,
    baseUrl: checkBaseUrl(o.baseUrl ?? DEFAULT_SERVER, 'baseUrl'),
    meterEventsBaseUrl: o.meterEventsBaseUrl === undefined ? undefined : checkBaseUrl(o.meterEventsBaseUrl, 'meterEventsBaseUrl'),
    delays,
    policy: { maxAttempts: 1 + maxNetworkRetries, deadline: Number.POSITIVE_INFINITY, delays, now: () => Date.now() },
    fetch: o.fetch,
    onRequest: o.onRequest,
    onResponse: o.onResponse,
    now: o.now ?? Date.now,
  };
}

/** Where an operation served from `server` goes. */
export function baseUrlFor(config: ClientConfig, server: string): string {
  return server === DEFAULT_SERVER ? config.baseUrl : (config.meterEventsBaseUrl ?? server);
}
