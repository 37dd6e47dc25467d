// Redocly (2.77) applies our overlay when it bundles, and skips an action whose target matches
// nothing without a word. This finds such actions, so that `npm run generate` fails naming them
// instead of silently dropping a fix. It uses jsonpath-rfc9535, the JSONPath library Redocly
// bundles to apply overlays (its THIRD_PARTY_NOTICES name it), so both agree on what a target
// matches.
// Redocly applies the actions in order, each to the result of the ones before, so a target may
// name a node that an earlier action added (`$.components.responses.*`): a target passes when it
// matches a node of the upstream spec or of Redocly's result. What this cannot see without
// applying the overlay itself: a target whose nodes an earlier action removed, or that only a
// later action adds.
import { paths, type JsonValue } from 'jsonpath-rfc9535';

export interface OverlayAction {
  target: string;
  description?: string;
}

export interface OverlayDocument {
  actions: OverlayAction[];
}

/** One line per action whose target matches no node of any of `docs` (or is not valid JSONPath). */
export function unmatchedTargets(overlay: OverlayDocument, ...docs: unknown[]): string[] {
  const problems: string[] = [];
  overlay.actions.forEach((action, index) => {
    const name = `overlay action #${index} (target ${action.target}${action.description ? `: ${action.description.split('\n')[0]}` : ''})`;
    try {
      if (!docs.some((doc) => paths(doc as JsonValue, action.target).length > 0)) problems.push(`${name} matches nothing`);
    } catch (error) {
      problems.push(`${name} is not valid JSONPath: ${(error as Error).message}`);
    }
  });
  return problems;
}
