// A usage value: a decimal string, as Stripe reads the meter's value key. Stripe documents
// decimals, negative values (corrections) and at most 15 significant digits; it does not say
// whether it reads `+5`, `.5`, `5.`, exponents or spaces. Those are refused everywhere (the closest
// documented form is the plain decimal of Stripe's own examples): a refused row can be fixed, an
// event Stripe drops later is lost without a word. Significant digits are counted as a decimal
// type counts its precision: leading zeros do not count, trailing zeros do (`1.0000000000000000`
// has 17), and zero has one.
import { MAX_SIGNIFICANT_DIGITS, SIGNIFICANT_DIGITS_FROM_API_VERSION } from './limits.js';
import { problem, type RuleProblem } from './problem.js';

/** `decimal`: Stripe since 2026 (the default); `integer`: older docs and v2's error text. */
export type ValueSyntax = 'decimal' | 'integer';

const DECIMAL = /^-?\d+(?:\.\d+)?$/;
const INTEGER = /^-?\d+$/;

/** The significant digits of a decimal string (one that passes the syntax check). */
export function significantDigits(text: string): number {
  let digits = 0;
  let leading = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) continue; // '-' and '.'
    if (leading && c === 48) continue;
    leading = false;
    digits++;
  }
  return Math.max(digits, 1);
}

export interface ValueOptions {
  syntax?: ValueSyntax;
  /** Refuse more than 15 significant digits (Stripe does from API version 2026-04-22). @default true */
  limitDigits?: boolean;
}

/** Whether Stripe limits a value's significant digits for requests made with `apiVersion` (unset: the latest). */
export function limitsSignificantDigits(apiVersion: string | undefined): boolean {
  return apiVersion === undefined || apiVersion.slice(0, 10) >= SIGNIFICANT_DIGITS_FROM_API_VERSION;
}

/** The problem with a usage value, or undefined when Stripe reads it. */
export function usageValueProblem(text: string, param: string, options: ValueOptions = {}): RuleProblem | undefined {
  const integer = options.syntax === 'integer';
  if (!(integer ? INTEGER : DECIMAL).test(text)) {
    const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
    const form = integer ? 'a whole number (digits and an optional minus sign, such as 12 or -3)' : 'a decimal number (digits, an optional minus sign and decimal point, such as 12, -3 or 0.25)';
    return problem('meter_event_invalid_value', param, `${param} is ${shown}, which is not ${form}`);
  }
  if (options.limitDigits !== false && significantDigits(text) > MAX_SIGNIFICANT_DIGITS) {
    // Stripe's own words.
    return problem('meter_event_value_too_many_digits', param, `The value in the event payload can have at most ${MAX_SIGNIFICANT_DIGITS} digits. Received ${text}.`);
  }
  return undefined;
}

/**
 * The decimal string of a number given as a payload value (the client writes numbers as strings),
 * or the problem when Stripe would not read it: not finite, written with an exponent, or more
 * significant digits than Stripe takes (0.1 + 0.2 is 0.30000000000000004).
 */
export function decimalOfNumber(value: number, param: string): string | RuleProblem {
  // Most values are whole numbers below 10^15: at most 15 digits, no exponent.
  if (Number.isInteger(value) && value < 1e15 && value > -1e15) return String(value);
  if (!Number.isFinite(value)) return problem('payload_value_invalid', param, `${param} must be a finite number, got ${value}`);
  const text = String(value);
  if (text.includes('e')) return problem('payload_value_invalid', param, `${param} is ${text}, which JavaScript writes with an exponent; pass the value as a decimal string instead`);
  return usageValueProblem(text, param) ?? text;
}
