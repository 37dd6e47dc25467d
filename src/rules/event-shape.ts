// The rules of one meter event that hold on every path whatever the meter, beyond what the spec
// states (types, lengths and well-formed strings: findObjectProblem with the generated rules, which
// every caller runs first): a name and an identifier that are not empty, payload keys Stripe can read.
import { payloadProblem } from './payload.js';
import { join, problem, type RuleProblem } from './problem.js';

/** A meter event's fields whose type is already checked (a string, a payload of strings). */
export interface EventFields {
  event_name: string;
  /** undefined: Stripe generates one. */
  identifier?: string | undefined;
  payload: Readonly<Record<string, string>>;
}

/** The first problem of the event's name, identifier and payload, or undefined. `where` names the event ('' or `events[3]`). */
export function eventShapeProblem(event: EventFields, where: string): RuleProblem | undefined {
  // The spec sets no minimum length, but an empty name matches no meter.
  if (event.event_name === '') return problem('event_name_invalid', join(where, 'event_name'), `${join(where, 'event_name')} must not be empty`);
  // An empty identifier is not an absent one: on v1 it asks Stripe to unset the field.
  if (event.identifier === '') return problem('identifier_invalid', join(where, 'identifier'), `${join(where, 'identifier')} must not be empty (leave it out and one is generated)`);
  return payloadProblem(event.payload, where === '' ? 'payload' : `${where}[payload]`);
}
