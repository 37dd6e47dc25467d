// `stripe-meters upload` against the emulator over HTTP, run from the built dist/ as a child
// process: totals per customer and hour, the rejects file, exit codes, SIGKILL and Ctrl-C resumes,
// the three formats, v1 duplicates after a lost state file.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createMeters, csvOf, dataset, hourlySummaries, jsonLinesOf, jsonOf, PAYLOAD_KEYS, plain, random, runCli, startCli, useEmulator, writeFile, type Dataset } from './cli-helpers.js';

const suite = useEmulator();

function rejectedRows(path: string): Array<{ row: number; reason: string }> {
  const records = parse(readFileSync(path, 'utf8'), { columns: true }) as Array<Record<string, string>>;
  return records.map((r) => ({ row: Number(r.reject_row), reason: r.reject_reason ?? '' }));
}

function expectRejects(path: string, d: Dataset): void {
  const rejects = rejectedRows(path);
  expect(rejects.map((r) => r.row)).toEqual([...d.bad].sort((a, b) => a - b));
  for (const r of rejects) expect(r.reason.length).toBeGreaterThan(10);
}

const state = (file: string) => JSON.parse(readFileSync(`${file}.upload-state.json`, 'utf8')) as { done: number; complete: boolean; totals: { accepted: number; refused: number } };

describe('stripe-meters upload', () => {
  it('uploads 100,000 rows: summaries equal the file totals per customer and hour, the rejects file holds exactly the bad rows, exit 2', { timeout: 120_000 }, async () => {
    const d = dataset(100_000, Math.floor(Date.now() / 1000));
    const file = writeFile(suite.dir, 'usage.csv', csvOf(d.rows, PAYLOAD_KEYS));
    const result = await runCli(['upload', file, '--base-url', suite.emu.url]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/done, 100,000 rows/);
    expect(plain(await hourlySummaries(suite.emu.stripe, suite.meters, d))).toEqual(plain(d.totals));
    const rejects = rejectedRows(`${file}.rejects.csv`);
    expect(rejects.map((r) => r.row)).toEqual([...d.bad].sort((a, b) => a - b));
    expect(rejects.map((r) => r.reason)).toEqual([
      'timestamp "yesterday" is neither unix seconds nor an ISO 8601 date or date-time',
      expect.stringMatching(/^The event timestamp cannot be more than 35 days in past\./),
      expect.stringMatching(/^The event timestamp cannot be more than 5 minutes in the future\./),
      'No meter was found matching event_name no_such_meter.',
      'Customer mapping key stripe_customer_id not found in payload.',
      expect.stringMatching(/^payload\[tokens\] is "lots", which is not a decimal number/),
      'Customer mapping key account not found in payload.',
    ]);
    expect(state(file)).toMatchObject({ complete: true, totals: { accepted: 100_000 - d.bad.size, refused: d.bad.size } });

    // The same command again sends nothing and says so.
    const again = await runCli(['upload', file, '--base-url', suite.emu.url]);
    expect(again.code).toBe(2);
    expect(again.stdout).toMatch(/nothing to send/);
  });

  it('killed with SIGKILL at three random points and re-run each time, counts every row exactly once', { timeout: 180_000 }, async () => {
    const d = dataset(100_000, Math.floor(Date.now() / 1000), 2);
    const file = writeFile(suite.dir, 'killed.csv', csvOf(d.rows, PAYLOAD_KEYS));
    const rand = random(Date.now());
    const targets = [rand(), rand(), rand()].map((x) => Math.floor(5_000 + x * 90_000)).sort((a, b) => a - b);
    const seen: number[] = [];
    for (const target of targets) {
      const { child, done } = startCli(['upload', file, '--base-url', suite.emu.url]);
      // Kill as soon as the state file shows the run got past its target row.
      for (;;) {
        const exited = await Promise.race([done.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 2))]);
        if (exited) break;
        let at = 0;
        try {
          at = state(file).done;
        } catch {
          // not written yet, or being replaced
        }
        if (at >= target) {
          child.kill('SIGKILL');
          seen.push(at);
          break;
        }
      }
      const result = await done;
      expect(result.signal).toBe('SIGKILL');
    }
    expect(seen).toHaveLength(3);
    const final = await runCli(['upload', file, '--base-url', suite.emu.url]);
    expect(final.stderr).not.toMatch(/\n\s+at /);
    expect(final.code).toBe(2);
    expect(final.stdout).toMatch(/settled by an earlier run/);
    expect(plain(await hourlySummaries(suite.emu.stripe, suite.meters, d))).toEqual(plain(d.totals));
    expectRejects(`${file}.rejects.csv`, d);
    expect(state(file)).toMatchObject({ complete: true, totals: { accepted: 100_000 - d.bad.size, refused: d.bad.size } });
  });

  it('gives the same summaries from the same data as JSON and as JSON Lines (and the same identifiers as CSV)', { timeout: 120_000 }, async () => {
    const d = dataset(20_000, Math.floor(Date.now() / 1000), 3);
    const json = writeFile(suite.dir, 'usage.json', jsonOf(d.rows));
    const jsonl = writeFile(suite.dir, 'usage.jsonl', jsonLinesOf(d.rows));
    const csv = writeFile(suite.dir, 'same.csv', csvOf(d.rows, PAYLOAD_KEYS));
    expect((await runCli(['upload', json, '--base-url', suite.emu.url])).code).toBe(2);
    const fromJson = plain(await hourlySummaries(suite.emu.stripe, suite.meters, d));
    expect(fromJson).toEqual(plain(d.totals));
    expectRejects(`${json}.rejects.csv`, d);

    suite.emu.emulator.reset();
    suite.meters = await createMeters(suite.emu.stripe);
    expect((await runCli(['upload', jsonl, '--base-url', suite.emu.url])).code).toBe(2);
    expect(plain(await hourlySummaries(suite.emu.stripe, suite.meters, d))).toEqual(fromJson);
    expectRejects(`${jsonl}.rejects.csv`, d);
    // The CSV of the same rows derives the same identifiers: nothing counts twice.
    expect((await runCli(['upload', csv, '--base-url', suite.emu.url])).code).toBe(2);
    expect(plain(await hourlySummaries(suite.emu.stripe, suite.meters, d))).toEqual(fromJson);
  });

  it('stops cleanly on Ctrl-C (exit 130, state saved) and the same command finishes the upload', { timeout: 120_000 }, async () => {
    const d = dataset(12_000, Math.floor(Date.now() / 1000), 4);
    const file = writeFile(suite.dir, 'interrupted.csv', csvOf(d.rows, PAYLOAD_KEYS));
    const { child, done } = startCli(['upload', file, '--base-url', suite.emu.url, '--rate', '4000']);
    while (!existsSync(`${file}.upload-state.json`) || state(file).done < 2_000) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const stopped = await done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/interrupted; progress is saved in .*: run the same command again to resume/);
    expect(stopped.stdout).toMatch(/interrupted/);
    const saved = state(file);
    expect(saved.complete).toBe(false);
    expect(saved.done).toBeLessThan(12_000);
    const final = await runCli(['upload', file, '--base-url', suite.emu.url]);
    expect(final.code).toBe(2);
    expect(plain(await hourlySummaries(suite.emu.stripe, suite.meters, d))).toEqual(plain(d.totals));
    expectRejects(`${file}.rejects.csv`, d);
  });

  it('--via v1: a re-run without the state file finds every row already recorded (a duplicate, not a refusal)', { timeout: 120_000 }, async () => {
    const d = dataset(1_500, Math.floor(Date.now() / 1000), 5);
    const file = writeFile(suite.dir, 'v1.csv', csvOf(d.rows, PAYLOAD_KEYS));
    const first = await runCli(['upload', file, '--base-url', suite.emu.url, '--via', 'v1', '--json']);
    expect(first.code).toBe(2);
    expect(JSON.parse(first.stdout)).toMatchObject({ outcome: 'complete', via: 'v1', run: { accepted: 1_500 - d.bad.size, refused: d.bad.size, already_recorded: 0 } });
    rmSync(`${file}.upload-state.json`);
    const again = await runCli(['upload', file, '--base-url', suite.emu.url, '--via', 'v1', '--json']);
    expect(again.code).toBe(2);
    expect(JSON.parse(again.stdout)).toMatchObject({ run: { accepted: 0, refused: d.bad.size, already_recorded: 1_500 - d.bad.size } });
    expect(plain(await hourlySummaries(suite.emu.stripe, suite.meters, d))).toEqual(plain(d.totals));
    expectRejects(`${file}.rejects.csv`, d);
  });

  it('when answers are lost after the events landed (connections reset), the resent batches count once', { timeout: 120_000 }, async () => {
    const d = dataset(8_000, Math.floor(Date.now() / 1000), 9);
    const file = writeFile(suite.dir, 'resets.csv', csvOf(d.rows, PAYLOAD_KEYS));
    suite.emu.emulator.setFaults([{ path: '/v2/billing/meter_event_stream', fault: 'reset_after', rate: 0.2 }]);
    try {
      const result = await runCli(['upload', file, '--base-url', suite.emu.url]);
      expect(result.code).toBe(2);
    } finally {
      suite.emu.emulator.setFaults([]);
    }
    expect(plain(await hourlySummaries(suite.emu.stripe, suite.meters, d))).toEqual(plain(d.totals));
    expectRejects(`${file}.rejects.csv`, d);
  });

  it('--dry-run checks every row and sends nothing', async () => {
    const d = dataset(500, Math.floor(Date.now() / 1000), 6);
    const file = writeFile(suite.dir, 'dry.csv', csvOf(d.rows, PAYLOAD_KEYS));
    const rejects = join(suite.dir, 'dry-rejects.csv');
    const result = await runCli(['upload', file, '--base-url', suite.emu.url, '--dry-run', '--rejects', rejects]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/dry run, nothing sent/);
    expectRejects(rejects, d);
    expect(existsSync(`${file}.upload-state.json`)).toBe(false);
    expect(await hourlySummaries(suite.emu.stripe, suite.meters, d)).toEqual(new Map());
  });
});
