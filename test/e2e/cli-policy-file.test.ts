/**
 * GTX_POLICY_FILE through the CLI: a good file is the policy of `gtx send` (and of `gtx serve`,
 * test/integration/http/http-blocked-patterns.test.ts); a bad one stops the command at start
 * with one line naming the file and every problem, before a ledger is opened.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TUTORIAL_POLICY } from '../../src/adapters/cli/demo-policy.js';
import { runGtx } from '../support/cli-harness.js';
import { TUTORIAL_POLICY_FILE, tutorialPolicySettings } from '../support/tutorial-policy.js';

let dir: string;
let run = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gtx-policy-file-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `gtx send --sandbox` on a ledger of its own, with GTX_POLICY_FILE set when given. */
async function send(args: readonly string[], policyFile?: string) {
  run += 1;
  const ledger = join(dir, `ledger-${run}.db`);
  const result = await runGtx(['send', '--sandbox', '--ledger', ledger, '--json', ...args], {
    GTX_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
    ...(policyFile === undefined ? {} : { GTX_POLICY_FILE: policyFile }),
  });
  return { ...result, ledger };
}

function policyFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const GIF = 'https://files.example.com/a.gif,image/gif,a.gif,2048';

describe('GTX_POLICY_FILE', () => {
  it('a good file is the policy: the tutorial example blocks what the defaults let through', async () => {
    const blocked = await send(
      ['--guest', 'g1', '--text', 'run malware.exe'],
      TUTORIAL_POLICY_FILE,
    );
    expect(blocked.code, blocked.stderr).toBe(2);
    expect(blocked.stdout).toContain('CONTENT_BLOCKED');
    const gif = await send(
      ['--guest', 'g1', '--text', 'a cat', '--attachment', GIF],
      TUTORIAL_POLICY_FILE,
    );
    expect(gif.code, gif.stderr).toBe(2);
    expect(gif.stdout).toContain('ATTACHMENT_MEDIA_TYPE_NOT_ALLOWED');

    const byDefault = await send([
      '--guest',
      'g1',
      '--text',
      'run malware.exe',
      '--attachment',
      GIF,
    ]);
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(JSON.parse(byDefault.stdout)).toMatchObject({ status: 'delivered' });
  });

  it('takes limits from the file, and a path relative to the working directory', async () => {
    writeFileSync(join(dir, 'short.json'), JSON.stringify({ maxTextChars: 5 }));
    run += 1;
    const result = await runGtx(
      [
        'send',
        '--sandbox',
        '--ledger',
        join(dir, `ledger-${run}.db`),
        '--json',
        '--guest',
        'g',
        '--text',
        'too long',
      ],
      { GTX_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'), GTX_POLICY_FILE: 'short.json' },
      dir,
    );
    expect(result.code, result.stderr).toBe(2);
    expect(result.stdout).toContain('TEXT_TOO_MANY_CHARS');
  });

  it.each([
    [
      'an unknown key',
      JSON.stringify({ blockedPatterns: [], maxTextChar: 10 }),
      [
        '"maxTextChar": is not a policy setting (known: blockedPatterns, supportedMediaTypes, maxTextChars, maxTextBytes, maxAttachmentBytes, maxAttachments, maxMetadataBytes)',
      ],
    ],
    [
      'bad values, every one named',
      JSON.stringify({
        maxTextChars: 0,
        maxAttachments: '3',
        blockedPatterns: ['ok', '(a)\\1', ''],
        supportedMediaTypes: ['image'],
      }),
      [
        'maxTextChars: must be at least 1 (got 0)',
        'maxAttachments: must be a whole number (got "3")',
        'blockedPatterns[2]: must not be empty',
        'blockedPatterns[1]: "(a)\\\\1" is not a pattern RE2 can compile (invalid escape sequence: \\1)',
        'supportedMediaTypes[0]: must be a media type such as image/png, a wildcard such as image/*, or */*',
      ],
    ],
    ['not an object', '["malware"]', ['the file: must be a JSON object (got a list)']],
    ['bad JSON', '{"blockedPatterns": [\n', ['is not valid JSON (']],
  ])('%s stops the command at start with one line', async (name, content, problems) => {
    const path = policyFile(`${name.replace(/\W+/g, '-')}.json`, content);
    const result = await send(['--guest', 'g1', '--text', 'hello'], path);
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`gtx: POLICY_FILE_INVALID: GTX_POLICY_FILE ${path}: `);
    for (const problem of problems) expect(lines[0]).toContain(problem);
    expect(result.stdout).toBe('');
    expect(existsSync(result.ledger)).toBe(false);
  });

  it('a missing file stops the command, naming the file', async () => {
    const path = join(dir, 'nowhere.json');
    const result = await send(['--guest', 'g1', '--text', 'hello'], path);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `gtx: POLICY_FILE_INVALID: GTX_POLICY_FILE ${path}: cannot be read (ENOENT: no such file or directory, stat '${path}')`,
    );
    expect(existsSync(result.ledger)).toBe(false);
  });

  it('stops gtx serve at start too', async () => {
    const path = policyFile('serve.json', JSON.stringify({ maxTextChars: -1 }));
    const result = await runGtx(
      ['serve', '--sandbox', '--no-auth', '--port', '0', '--ledger', join(dir, 'serve.db')],
      {
        GTX_POLICY_FILE: path,
        GTX_MASTER_KEY: Buffer.alloc(32, 3).toString('base64'),
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      `gtx: POLICY_FILE_INVALID: GTX_POLICY_FILE ${path}: maxTextChars: must be at least 1 (got -1)`,
    );
  });

  it('the tutorial example file is the demo policy', () => {
    expect(tutorialPolicySettings).toEqual(TUTORIAL_POLICY);
  });
});
