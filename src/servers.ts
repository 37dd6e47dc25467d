// The hosts requests go to by default (the spec's servers). A module of its own: importing the
// client does not bring them in.
import { DEFAULT_SERVER, PostV2BillingMeterEventStream } from '../generated/rules.js';

/** Where every request but the v2 stream's goes (the `baseUrl` option). */
export const DEFAULT_BASE_URL: string = DEFAULT_SERVER;
/** Where the v2 meter event stream's requests go (the `meterEventsBaseUrl` option). */
export const DEFAULT_METER_EVENTS_BASE_URL: string = PostV2BillingMeterEventStream.server;
