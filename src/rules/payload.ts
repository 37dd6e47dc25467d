// Payload keys Stripe can read on every path. (Values: at most 100 characters, and keys and values
// well-formed Unicode: the spec's rules, checked with the generated rules by findObjectProblem.)
// Stripe states no rule for keys; these are the closest documented ones, so that every path gives
// one verdict: not empty (v1 would read `payload[]` as a list), no brackets (v1 would read
// `payload[a[b]]` as a nested map, which it refuses), at most as long as a meter's payload key.
import { MAX_PAYLOAD_KEY_LENGTH } from './limits.js';
import { join, problem, type RuleProblem } from './problem.js';

/** The problem with one payload key, or undefined. `where` names the payload (`payload`). */
export function payloadKeyProblem(key: string, where: string): RuleProblem | undefined {
  if (key !== '' && key.length <= MAX_PAYLOAD_KEY_LENGTH && !key.includes('[') && !key.includes(']')) return undefined;
  const param = join(where, key);
  if (key === '') return problem('payload_key_invalid', param, `${where} has an empty key; Stripe reads only named keys`);
  if (key.includes('[') || key.includes(']')) return problem('payload_key_invalid', param, `${where} has the key ${JSON.stringify(key)}; keys cannot hold [ or ], which v1's form encoding reads as nesting`);
  return problem('payload_key_invalid', param, `${where} has a key of ${key.length} characters; a meter reads keys of at most ${MAX_PAYLOAD_KEY_LENGTH}`);
}

/** The first problem of a payload's keys, or undefined. */
export function payloadProblem(payload: Readonly<Record<string, string>>, where: string): RuleProblem | undefined {
  for (const key in payload) {
    const found = payloadKeyProblem(key, where);
    if (found !== undefined) return found;
  }
  return undefined;
}
