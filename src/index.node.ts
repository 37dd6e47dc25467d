// The entry point Node resolves to (package.json "exports" conditions): everything of ./index.js,
// with a StripeMeters whose default transport is node:http. The explicit export wins over the
// star export of the same name.
export * from './index.js';
export { StripeMeters } from './client.node.js';
