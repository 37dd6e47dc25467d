// Type guards for what the emulator reads from checked params and from parsed JSON (a saved state):
// what a check found, told to TypeScript without a cast.
import type { WireEvent } from './events.js';

export const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
export const isFiniteNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
export const isOptional = <T>(value: unknown, is: (v: unknown) => v is T): value is T | undefined => value === undefined || is(value);
export const isString = (value: unknown): value is string => typeof value === 'string';
export const isStringOrNull = (value: unknown): value is string | null => value === null || typeof value === 'string';

/** Whether `value` is one of `allowed`. */
export function isOneOf<T extends string>(value: unknown, allowed: readonly T[]): value is T {
  return typeof value === 'string' && (allowed as readonly string[]).includes(value);
}

/** Whether every value of an object is a string. */
export function isStringRecord(value: unknown): value is Record<string, string> {
  if (!isObject(value)) return false;
  for (const key in value) if (typeof value[key] !== 'string') return false;
  return true;
}

/** Whether checked params hold an event as the v1 and v2 endpoints take it (the spec check ran first). */
export function isWireEvent(value: unknown): value is WireEvent {
  if (!isObject(value) || typeof value['event_name'] !== 'string' || !isStringRecord(value['payload'])) return false;
  const { identifier, timestamp } = value;
  return isOptional(identifier, isString) && (timestamp === undefined || typeof timestamp === 'string' || isFiniteNumber(timestamp));
}
