// A client's options, checked and with their defaults filled in, resolved once at construction.
import { API_VERSION } from '../../generated/schema.js';
import type { FetchLike, StripeMetersOptions } from '../options.js';
import { checkBaseUrl, checkClientOptions } from './check-options.js';
import { API_SERVER, METER_EVENTS_SERVER } from './operations.js';
import { DEFAULT_RETRY_DELAYS, type RetryDelays } from './retry-policy.js';

export const DEFAULT_TIMEOUT_MS = 80_000;
export const DEFAULT_MAX_NETWORK_RETRIES = 2;

export interface ClientConfig {
  apiVersion: string;
  stripeAccount: string | undefined;
  maxNetworkRetries: number;
  /** @unit milliseconds */
  timeout: number;
  baseUrl: string;
  meterEventsBaseUrl: string;
  delays: RetryDelays;
  fetch: FetchLike | undefined;
  onRequest: StripeMetersOptions['onRequest'];
  onResponse: StripeMetersOptions['onResponse'];
  /** @unit milliseconds since the epoch */
  now: () => number;
}

export function resolveClientOptions(options: unknown): ClientConfig {
  const o = checkClientOptions(options);
  return {
    apiVersion: o.apiVersion ?? API_VERSION,
    stripeAccount: o.stripeAccount,
    maxNetworkRetries: o.maxNetworkRetries ?? DEFAULT_MAX_NETWORK_RETRIES,
    timeout: o.timeout ?? DEFAULT_TIMEOUT_MS,
    baseUrl: checkBaseUrl(o.baseUrl ?? API_SERVER, 'baseUrl'),
    meterEventsBaseUrl: checkBaseUrl(o.meterEventsBaseUrl ?? METER_EVENTS_SERVER, 'meterEventsBaseUrl'),
    delays: { ...DEFAULT_RETRY_DELAYS, ...o.retryDelay },
    fetch: o.fetch,
    onRequest: o.onRequest,
    onResponse: o.onResponse,
    now: o.now ?? Date.now,
  };
}
