// What a user reads in compiler errors and hovers: the named types (`Meter`, `Page<Meter>`), not
// the generated twenty-line shapes. Compiles small programs with the TypeScript compiler API.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(root, 'test', '.type-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The diagnostics of `code` (a module in test/), as text. */
function errorsOf(code: string): string[] {
  const file = join(dir, 'case.ts');
  writeFileSync(file, code);
  const program = ts.createProgram([file], { strict: true, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true, types: [] });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

const prelude = `import { StripeMeters, type Meter, type V2MeterEventSession, type WithLastResponse } from '../../src/index.js';
import { GetBillingMetersId } from '../../generated/rules.js';
const stripe = new StripeMeters('sk_test_x');
declare const core: StripeMeters;
export {};
`;

// Each case compiles a program with the whole package's types: slow on a busy machine.
describe('named types in compiler errors', { timeout: 90_000 }, () => {
  it('a result assigned to the wrong type names both types', () => {
    expect(errorsOf(`${prelude}const n: number = await stripe.billing.meters.retrieve('mtr_1');`)).toEqual(["Type 'WithLastResponse<Meter>' is not assignable to type 'number'."]);
    expect(errorsOf(`${prelude}const p: string = await stripe.billing.meters.list();`)).toEqual(["Type 'Page<Meter>' is not assignable to type 'string'."]);
  });

  it('a Meter annotation says Meter when lastResponse is read from it', () => {
    expect(errorsOf(`${prelude}const m: Meter = await stripe.billing.meters.create({ display_name: 'x', event_name: 'y', default_aggregation: { formula: 'sum' } });\nvoid m.lastResponse;`)).toEqual([
      "Property 'lastResponse' does not exist on type 'Meter'.",
    ]);
  });

  it('a declaration that contradicts the path does not compile', () => {
    const errors = errorsOf(`${prelude}const f = (): Promise<WithLastResponse<V2MeterEventSession>> => core.request(GetBillingMetersId, { params: { path: { id: 'x' } } }, undefined, (c, init) => c.GET('/v1/billing/meters/{id}', init));`);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/is not assignable to type 'Promise<WithLastResponse<V2MeterEventSession>>'/);
  });
});
