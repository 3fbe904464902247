/**
 * `gtx serve` with GTX_POLICY_FILE holding patterns that make a backtracking engine take seconds
 * to minutes per match on 4,000 characters (issue 14). Their worst-case texts are checked by
 * concurrent requests while /healthz is asked between them. No clock: were the event loop
 * blocked by a match, the probes and posts would not answer within the test timeout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitFinal, type ServiceHarness } from './service-harness.js';

const TEXT_CHARS = 4000;
const ROUNDS = 4;

/** Each pattern with its worst case: the longest near miss, which it does not match. */
const WORST_CASES = [
  ['\\s+\\s+$', `${' '.repeat(TEXT_CHARS - 1)}x`],
  ['.*.*=.*', 'a'.repeat(TEXT_CHARS)],
  ['\\d+\\d+x', '1'.repeat(TEXT_CHARS)],
  ['x+x+y', 'x'.repeat(TEXT_CHARS)],
  ['a*a*a*b', 'a'.repeat(TEXT_CHARS)],
] as const;

let policyDir: string;
let h: ServiceHarness;
beforeAll(async () => {
  policyDir = mkdtempSync(join(tmpdir(), 'gtx-http-policy-'));
  const policyFile = join(policyDir, 'policy.json');
  writeFileSync(policyFile, JSON.stringify({ blockedPatterns: WORST_CASES.map(([p]) => p) }));
  h = await startHarness({ GTX_POLICY_FILE: policyFile, GTX_LOG_LEVEL: 'warn' });
});
afterAll(async () => {
  await h.close();
  rmSync(policyDir, { recursive: true, force: true });
});

describe('gtx serve checks blocked patterns in linear time', () => {
  it('answers /healthz while worst-case texts are checked by concurrent requests', async () => {
    const posts: Promise<Response>[] = [];
    const probes: Promise<Response>[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      WORST_CASES.forEach(([, text], index) => {
        posts.push(
          h.post('/v1/messages', {
            id: `worst-${round}-${index}`,
            guest: { id: `guest-${index}` },
            text,
          }),
        );
        probes.push(h.call('/healthz', { key: null }));
      });
    }
    const answers = await Promise.all(posts);
    const health = await Promise.all(probes);
    expect(health.map((r) => r.status)).toEqual(probes.map(() => 200));
    expect(await Promise.all(health.map((r) => r.json()))).toEqual(
      probes.map(() => ({ status: 'alive' })),
    );
    // Checked and let through: no pattern matches its near miss.
    expect(answers.map((r) => r.status)).toEqual(posts.map(() => 202));
    expect((await waitFinal(h, 'worst-0-4')).status).toBe('delivered');
  });

  it('blocks a text a pattern of the file does match', async () => {
    const response = await h.post('/v1/messages', {
      id: 'matching-1',
      guest: { id: 'guest-m' },
      text: `${'a'.repeat(TEXT_CHARS - 1)}b`,
    });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { violations: { code: string; message: string }[] };
    expect(body.violations).toEqual([
      { code: 'CONTENT_BLOCKED', field: '/text', message: 'text matches blocked pattern #4' },
    ]);
  });
});
