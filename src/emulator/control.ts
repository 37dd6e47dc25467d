// The control endpoints, outside /v1 and /v2, for clients in any language:
//   POST /_emulator/reset                       -> back to a fresh emulator
//   GET|POST /_emulator/clock  {"now": unix} | {"advance_seconds": n}  -> {"now": unix}
//   GET /_emulator/error_reports                -> the async error reports
//   GET|POST /_emulator/faults {"faults": [...]} -> the fault rules in force
import type { EmulatorClock } from './clock.js';
import type { MeterErrorReport } from './error-reports.js';
import { checkFaultRules } from './faults.js';
import type { FaultRule } from './options.js';
import type { Reply } from './wire.js';

export interface Controls {
  clock: EmulatorClock;
  reset(): void;
  errorReports(): MeterErrorReport[];
  setFaults(rules: readonly FaultRule[]): void;
  faults(): FaultRule[];
}

const fail = (status: number, message: string): Reply => ({ status, body: { error: { type: 'invalid_request_error', message } } });

function jsonObject(body: string): Record<string, unknown> | string {
  if (body.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(body);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  return 'The body must be a JSON object.';
}

function clockRequest(controls: Controls, body: Record<string, unknown>): Reply {
  const { now, advance_seconds: advance, ...rest } = body;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return fail(400, `Unknown field ${unknown[0] ?? ''}: send {"now": <unix seconds>} or {"advance_seconds": <n>}.`);
  if (now !== undefined && advance !== undefined) return fail(400, 'Send either now or advance_seconds, not both.');
  if (now !== undefined) {
    if (typeof now !== 'number' || !Number.isFinite(now)) return fail(400, 'now must be a number of unix seconds.');
    controls.clock.set(now);
  } else if (advance !== undefined) {
    if (typeof advance !== 'number' || !Number.isFinite(advance)) return fail(400, 'advance_seconds must be a number of seconds.');
    controls.clock.advance({ seconds: advance });
  }
  return { status: 200, body: { now: controls.clock.now() } };
}

export function control(controls: Controls, method: string, pathname: string, text: string): Reply {
  const body = method === 'POST' ? jsonObject(text) : {};
  if (typeof body === 'string') return fail(400, body);
  switch (`${method} ${pathname}`) {
    case 'POST /_emulator/reset':
      controls.reset();
      return { status: 200, body: { reset: true, now: controls.clock.now() } };
    case 'GET /_emulator/clock':
    case 'POST /_emulator/clock':
      return clockRequest(controls, body);
    case 'GET /_emulator/error_reports':
      return { status: 200, body: { object: 'list', data: controls.errorReports() } };
    case 'POST /_emulator/faults':
      try {
        controls.setFaults(checkFaultRules(body['faults'] ?? []));
      } catch (error) {
        return fail(400, (error as Error).message);
      }
      return { status: 200, body: { faults: controls.faults() } };
    case 'GET /_emulator/faults':
      return { status: 200, body: { faults: controls.faults() } };
    default:
      return fail(404, `Unknown control endpoint ${method} ${pathname}: the emulator has POST /_emulator/reset, /_emulator/clock, /_emulator/faults and GET /_emulator/error_reports.`);
  }
}
