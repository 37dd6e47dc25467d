// The entry point Node resolves to (package.json "exports" conditions): everything of ./index.js,
// with clients whose default transport is node:http. The explicit exports win over the star
// export of the same names.
export * from './index.js';
export { StripeMeters, StripeMetersCore } from './client.node.js';
