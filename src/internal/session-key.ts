// The v2 stream's key: a meter event session token, never an API key (which the stream would
// refuse after the events were sent). Only the stream's callers import this.
import { StripeInvalidParameterError } from '../errors.js';
import { API_KEY, keyText } from './check-options.js';
import { mask } from './secrets.js';

/** Checks the `apiKey` request option of a v2 stream request, given or not. */
export function checkSessionToken(key: unknown): void {
  const value = keyText(key, 'apiKey', 'The meter event stream needs a session token: pass { apiKey: session.authentication_token }', 4096);
  if (API_KEY.test(value)) {
    throw new StripeInvalidParameterError('apiKey', `The meter event stream takes a session token, not an API key (${mask(value)}): pass { apiKey: session.authentication_token }`);
  }
}
