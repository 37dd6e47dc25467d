// `node --import test/readme-run.mjs snippet.mjs`: runs a README snippet against an in-process
// emulator. `stripe-meters` imported by the snippet resolves to test/readme-shim.mjs, whose
// StripeMeters sends to that emulator unless the snippet gives its own `fetch`.
import { register } from 'node:module';

const shim = new URL('./readme-shim.mjs', import.meta.url).href;
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'stripe-meters' && context.parentURL !== ${JSON.stringify(shim)}) return { url: ${JSON.stringify(shim)}, shortCircuit: true };
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
