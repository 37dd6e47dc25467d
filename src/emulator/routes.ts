// Which handler serves which request: the 13 operations of generated/rules.ts, matched by method
// and path template. Every operation must have a handler (the Record type checks it).
import { OPERATIONS, type OperationId, type OperationRule } from '../../generated/rules.js';
import type { Handler } from './context.js';
import { createMeter, deactivateMeter, listMeters, reactivateMeter, retrieveMeter, updateMeter } from './meters-api.js';
import { listEventSummaries } from './summaries-api.js';
import { createMeterEvent, createMeterEventAdjustment } from './v1-events-api.js';
import { createSession, createV2Adjustment, createV2MeterEvent, streamEvents } from './v2-api.js';

const HANDLERS: Record<OperationId, Handler> = {
  GetBillingMeters: listMeters,
  PostBillingMeters: createMeter,
  GetBillingMetersId: retrieveMeter,
  PostBillingMetersId: updateMeter,
  PostBillingMetersIdDeactivate: deactivateMeter,
  PostBillingMetersIdReactivate: reactivateMeter,
  GetBillingMetersIdEventSummaries: listEventSummaries,
  PostBillingMeterEvents: createMeterEvent,
  PostBillingMeterEventAdjustments: createMeterEventAdjustment,
  PostV2BillingMeterEventSession: createSession,
  PostV2BillingMeterEventStream: streamEvents,
  PostV2BillingMeterEvents: createV2MeterEvent,
  PostV2BillingMeterEventAdjustments: createV2Adjustment,
};

export interface Route {
  operationId: OperationId;
  operation: OperationRule;
  handler: Handler;
  /** The template's segments; `{name}` segments match any one segment. */
  segments: string[];
  /** The stream authenticates with a session token and takes no idempotency key. */
  stream: boolean;
}

const ROUTES: Route[] = (Object.keys(OPERATIONS) as OperationId[]).map((operationId) => {
  const operation: OperationRule = OPERATIONS[operationId];
  return { operationId, operation, handler: HANDLERS[operationId], segments: operation.path.split('/'), stream: operationId === 'PostV2BillingMeterEventStream' };
});

export interface Match {
  route: Route;
  path: Record<string, string>;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** The route for `method` and `pathname`; `undefined` when no operation has this path and method. */
export function match(method: string, pathname: string): Match | undefined {
  const parts = pathname.split('/');
  for (const route of ROUTES) {
    if (route.operation.method !== method || route.segments.length !== parts.length) continue;
    const path: Record<string, string> = {};
    let matched = true;
    for (let i = 0; i < parts.length && matched; i++) {
      const want = route.segments[i] as string;
      const got = parts[i] as string;
      if (want.startsWith('{')) {
        if (got === '') matched = false;
        else path[want.slice(1, -1)] = decodeSegment(got);
      } else matched = want === got;
    }
    if (matched) return { route, path };
  }
  return undefined;
}
