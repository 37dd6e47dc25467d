// What every operation handler receives, and the settings the options resolve to.
import { limitsSignificantDigits } from '../rules/values.js';
import type { EventRules } from './events.js';
import type { AggregationSettings } from './summaries.js';
import type { Account, State } from './state.js';
import type { Reply } from './wire.js';

export interface Settings {
  sessionLifetimeSeconds: number;
  identifierWindowSeconds: number;
  values: EventRules['values'];
  customerExists: EventRules['customerExists'];
  aggregation: AggregationSettings;
  strictAdjustments: boolean;
  onWarning: (message: string) => void;
}

export interface Context {
  state: State;
  account: Account;
  settings: Settings;
  /** Decoded, validated params (body or query), numbers as numbers. */
  params: Record<string, unknown>;
  /** Path parameters, decoded. */
  path: Record<string, string>;
  /** @unit unix milliseconds */
  nowMs: number;
  /** @unit unix seconds, with fractions */
  now: number;
  idempotencyKey: string | undefined;
  /** The Stripe-Version header, if sent. */
  apiVersion: string | undefined;
}

export type Handler = (context: Context) => Reply;

export function eventRules(context: Context): EventRules {
  const { settings, apiVersion } = context;
  return {
    identifierWindowSeconds: settings.identifierWindowSeconds,
    values: settings.values,
    limitDigits: limitsSignificantDigits(apiVersion),
    customerExists: settings.customerExists,
  };
}
