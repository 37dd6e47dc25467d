// Stripe's limits for meter events and summaries. Those the spec states are read from
// generated/rules.ts (so a spec bump changes them); the others are documented only in prose, and
// each names its source (../shared/reference/meter-semantics.md).
import { OPERATIONS } from '../../generated/rules.js';

const V1_EVENT = OPERATIONS.PostBillingMeterEvents.params.properties;
const METER_CREATE = OPERATIONS.PostBillingMeters.params.properties;

/** The longest `event_name` (spec). */
export const MAX_EVENT_NAME_LENGTH: number = V1_EVENT.event_name.maxLength;
/** The longest `identifier` (spec). */
export const MAX_IDENTIFIER_LENGTH: number = V1_EVENT.identifier.maxLength;
/** The longest payload value (spec: billing.meter_event.payload, stated on the requests by the overlay). */
export const MAX_PAYLOAD_VALUE_LENGTH: number = V1_EVENT.payload.additionalProperties.maxLength;
/**
 * The longest payload key. Stripe states no limit for keys; a meter reads its customer and value
 * under keys of at most this length (spec: `event_payload_key`), so a longer key is never read.
 */
export const MAX_PAYLOAD_KEY_LENGTH: number = METER_CREATE.customer_mapping.properties.event_payload_key.maxLength;
/** Events per stream request (spec). */
export const MAX_STREAM_EVENTS: number = OPERATIONS.PostV2BillingMeterEventStream.params.properties.events.maxItems;

/** How far back an event's timestamp may be: 35 calendar days (API reference, usage guide). @unit seconds */
export const MAX_EVENT_AGE_SECONDS = 35 * 86_400;
/** How far ahead an event's timestamp may be: 5 minutes, for clock drift (API reference). @unit seconds */
export const MAX_EVENT_AHEAD_SECONDS = 5 * 60;
/**
 * How long Stripe remembers an event's identifier and drops another event with it: 24 hours
 * (usage guide, "Idempotency"). A resend after that is counted again. @unit seconds
 */
export const IDENTIFIER_DEDUPE_WINDOW_SECONDS = 24 * 3600;
/** Significant digits a usage value may have (changelog 2026-04-22.dahlia). */
export const MAX_SIGNIFICANT_DIGITS = 15;
/** The first API version that refuses values with more significant digits (changelog). */
export const SIGNIFICANT_DIGITS_FROM_API_VERSION = '2026-04-22';
/**
 * How far a caller's clock may be from Stripe's, as this package assumes at the edges of the
 * timestamp window (not Stripe's figure: NTP keeps clocks far closer). @unit seconds
 */
export const CLOCK_SKEW_SECONDS = 60;
/** A unix timestamp this large is milliseconds (as seconds it is the year 5138). */
export const MILLISECONDS_THRESHOLD = 1e11;
