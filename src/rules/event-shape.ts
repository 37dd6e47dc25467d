// The rules of one meter event that hold on every path whatever the meter, beyond what the spec
// states (types and lengths, checked with the generated rules): a name and an identifier that are
// not empty, strings that are well-formed, payload keys Stripe can read.
import { payloadProblem } from './payload.js';
import { join, problem, type RuleProblem } from './problem.js';
import { wellFormedProblem } from './strings.js';

/** A meter event's fields whose type is already checked (a string, a payload of strings). */
export interface EventFields {
  event_name: string;
  /** undefined: Stripe generates one. */
  identifier?: string | undefined;
  payload: Readonly<Record<string, string>>;
}

/** The first problem of the event's name, identifier and payload, or undefined. `where` names the event ('' or `events[3]`). */
export function eventShapeProblem(event: EventFields, where: string): RuleProblem | undefined {
  const name = join(where, 'event_name');
  // The spec sets no minimum length, but an empty name matches no meter.
  if (event.event_name === '') return problem('event_name_invalid', name, `${name} must not be empty`);
  const found = wellFormedProblem(event.event_name, name);
  if (found !== undefined) return found;
  if (event.identifier !== undefined) {
    const param = join(where, 'identifier');
    // An empty identifier is not an absent one: on v1 it asks Stripe to unset the field.
    if (event.identifier === '') return problem('identifier_invalid', param, `${param} must not be empty (leave it out and one is generated)`);
    const bad = wellFormedProblem(event.identifier, param);
    if (bad !== undefined) return bad;
  }
  return payloadProblem(event.payload, join(where, 'payload'));
}
