// Strings Stripe can read: well-formed Unicode. A lone surrogate cannot be encoded as UTF-8 (the
// form encoder throws a URIError, JSON sends an escape Stripe would have to guess at), so it is
// refused, naming the parameter, wherever a string goes on the wire.
import { problem, type RuleProblem } from './problem.js';

// With the u flag a well-formed pair is one code point, so \p{Cs} matches only lone halves.
const LONE_SURROGATE = /\p{Cs}/u;

/** The index of the first lone surrogate in `text`, or -1 when it is well-formed. */
export function loneSurrogateAt(text: string): number {
  // ES2024's String.prototype.isWellFormed where the runtime has it (it runs on every string of
  // every event): native and several times faster than the regular expression. (The lib is
  // ES2022, which does not declare it.)
  return (text as { isWellFormed?: () => boolean }).isWellFormed?.() === true ? -1 : text.search(LONE_SURROGATE);
}

/** The problem with a string that is not well-formed Unicode, or undefined. */
export function wellFormedProblem(text: string, param: string, what = param): RuleProblem | undefined {
  const at = loneSurrogateAt(text);
  if (at < 0) return undefined;
  const unit = text.charCodeAt(at).toString(16).toUpperCase();
  return problem('string_not_well_formed', param, `${what} is not well-formed Unicode: it holds a lone surrogate (U+${unit}) at index ${at}, which cannot be sent`);
}
