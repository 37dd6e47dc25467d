// The generated-rule checker lives with Stripe's other rules (src/rules/params.ts).
export { describeValue, findObjectProblem, findProblem, type CheckMode, type Problem } from '../rules/params.js';
