import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runGtx } from '../../../support/cli-harness.js';
import { testDir } from '../../../support/test-dir.js';

/** What bash offers after `words` (the last one being completed), with the script sourced. */
function bashCompletes(script: string, words: readonly string[]): string[] {
  const file = join(testDir('gtx-completion-'), 'gtx.bash');
  writeFileSync(file, script);
  const quoted = words.map((word) => `'${word}'`).join(' ');
  const run = spawnSync(
    'bash',
    [
      '-c',
      `source ${file}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _gtx; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: 'utf8' },
  );
  expect(run.stderr).toBe('');
  return run.stdout.split('\n').filter(Boolean);
}

describe('gtx completion', () => {
  it('bash completes commands, subcommands, options and option values from the command tree', async () => {
    const run = await runGtx(['completion', 'bash']);
    expect(run.code).toBe(0);
    const script = run.stdout;
    expect(bashCompletes(script, ['gtx', 'se'])).toEqual(['send', 'serve']);
    expect(bashCompletes(script, ['gtx', 'audit', 'v'])).toEqual(['verify']);
    expect(bashCompletes(script, ['gtx', 'send', '--guest', 'g1', '--ba'])).toEqual(['--batch-id']);
    expect(bashCompletes(script, ['gtx', 'send', '--id-type', ''])).toEqual([
      'Opaque',
      'Email',
      'Phone',
    ]);
    expect(bashCompletes(script, ['gtx', 'serve', '--no'])).toEqual(['--no-auth']);
    expect(bashCompletes(script, ['gtx', 'completion', 'z'])).toEqual(['zsh']);
  });

  it('zsh runs the same completion through bashcompinit; fish gets its own complete lines', async () => {
    const zsh = await runGtx(['completion', 'zsh']);
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain('complete -o default -F _gtx gtx');
    const fish = await runGtx(['completion', 'fish']);
    expect(fish.stdout).toContain(
      "complete -c gtx -f -n '__fish_use_subcommand' -a send -d 'send one message (or a batch from an NDJSON file) and print the outcome'",
    );
    expect(fish.stdout).toContain(
      "complete -c gtx -n '__fish_seen_subcommand_from send' -l id-type -x -a 'Opaque Email Phone'",
    );
    expect(fish.stdout).toContain(
      "-n '__fish_seen_subcommand_from audit; and not __fish_seen_subcommand_from verify digest keygen export' -a verify",
    );
    const bad = await runGtx(['completion', 'powershell']);
    expect(bad.code).toBe(1);
  });
});
