// GET /v2/core/events/{id} and GET /v2/core/events: the thin events the emulator has emitted, per
// account (the Stripe-Context header, as the official package sends it for a connected account).
import type { ThinEvents } from './thin-events.js';
import { v2Error, type Reply } from './wire.js';

const TYPES = new Set(['v1.billing.meter.error_report_triggered', 'v1.billing.meter.no_meter_found']);

function listEvents(thin: ThinEvents, query: string, account: string | null): Reply {
  const params = new URLSearchParams(query);
  let limit = 20;
  let objectId: string | undefined;
  const types: string[] = [];
  for (const [name, value] of params) {
    if (name === 'limit') {
      limit = Number(value);
      if (!/^\d+$/.test(value) || limit < 1 || limit > 20) return v2Error(400, { code: 'invalid_fields', message: `limit must be a whole number from 1 to 20, got ${JSON.stringify(value)}` });
    } else if (name === 'object_id') objectId = value;
    else if (name === 'types' || name === 'types[]' || /^types\[\d+\]$/.test(name)) types.push(value);
    else return v2Error(400, { code: 'invalid_fields', message: `Unknown parameter ${JSON.stringify(name)}: the emulator filters events by object_id, types and limit.` });
  }
  const unknown = types.find((t) => !TYPES.has(t));
  if (unknown !== undefined) return v2Error(400, { code: 'invalid_fields', message: `types: the emulator emits only ${[...TYPES].join(' and ')}, got ${JSON.stringify(unknown)}` });
  const data = thin
    .list(account)
    .filter((e) => (objectId === undefined || e.related_object?.id === objectId) && (types.length === 0 || types.includes(e.type)))
    .reverse()
    .slice(0, limit);
  return { status: 200, body: { data, next_page_url: null, previous_page_url: null } };
}

export function coreEvents(thin: ThinEvents, emitClosed: () => void, pathname: string, query: string, account: string | null): Reply {
  emitClosed();
  if (pathname === '/v2/core/events') return listEvents(thin, query, account);
  let id = pathname.slice('/v2/core/events/'.length);
  try {
    id = decodeURIComponent(id);
  } catch {
    // an undecodable id is just not found
  }
  const event = thin.get(id);
  if (event === undefined || event.context !== account || id.includes('/')) {
    return v2Error(404, { code: 'resource_missing', message: `No such event: '${id}'.` });
  }
  return { status: 200, body: event };
}
