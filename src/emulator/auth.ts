// Who is asking: a test-mode secret or restricted key (Bearer, or Basic with the key as user name,
// as curl -u sends it) on the API host; a live session token on the stream. Live keys are refused:
// the emulator must never be mistaken for Stripe.
import type { Session, State } from './state.js';
import { v1Error, v2Error, type Api, type Reply } from './wire.js';

/** The key or token an Authorization header carries. */
export function credential(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (space < 0 || value === '') return undefined;
  if (scheme === 'bearer') return value;
  if (scheme !== 'basic') return undefined;
  try {
    const decoded = atob(value);
    const colon = decoded.indexOf(':');
    return (colon < 0 ? decoded : decoded.slice(0, colon)) || undefined;
  } catch {
    return undefined;
  }
}

function unauthorized(api: Api, message: string): Reply {
  return api === 'v1' ? v1Error(401, { message }) : v2Error(401, { code: 'unauthorized', message });
}

/** undefined when the header carries a test-mode secret or restricted key; the 401 otherwise. */
export function checkApiKey(header: string | undefined, api: Api): Reply | undefined {
  const key = credential(header);
  if (key === undefined) {
    return unauthorized(api, "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').");
  }
  if (/^(sk|rk)_test_./.test(key)) return undefined;
  if (/^(sk|rk)_live_/.test(key)) {
    return unauthorized(api, 'The stripe-meters emulator refuses live-mode keys: use a test-mode key (sk_test_... or rk_test_...).');
  }
  return unauthorized(api, 'Invalid API Key provided. The stripe-meters emulator accepts test-mode secret keys (sk_test_...) and restricted keys (rk_test_...).');
}

function expired(): Reply {
  return v2Error(401, {
    type: 'temporary_session_expired',
    code: 'billing_meter_event_session_expired',
    message: 'The meter event session has expired (or its token is not known); create a new session.',
    doc_url: 'https://docs.stripe.com/api/v2/billing-meter-stream',
  });
}

/** Expires the session whose token the header carries (if any) and answers as for an expired token. */
export function expireSession(header: string | undefined, state: State, nowMs: number): Reply {
  const token = credential(header);
  const session = token === undefined ? undefined : state.sessions.get(token);
  if (session !== undefined && session.expiresAtMs > nowMs) session.expiresAtMs = nowMs;
  return expired();
}

/** The session a stream request's token belongs to, or the 401 (expired or unknown token). */
export function checkSessionToken(header: string | undefined, state: State, nowMs: number): Session | Reply {
  const token = credential(header);
  if (token === undefined) return unauthorized('v2', 'You did not provide a meter event session token. Create one with POST /v2/billing/meter_event_session.');
  const session = state.sessions.get(token);
  if (session !== undefined && nowMs < session.expiresAtMs) return session;
  // An API key is not a session token: say so rather than call it an expired session.
  if (/^(sk|rk)_(test|live)_/.test(token)) {
    return unauthorized('v2', 'The meter event stream takes a meter event session token, not an API key: create a session with POST /v2/billing/meter_event_session (with the API key) and send its authentication_token.');
  }
  return expired();
}
