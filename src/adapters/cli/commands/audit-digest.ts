import { resolve } from 'node:path';
import type { Command } from 'commander';
import { parsePrivateKey, takeDigest } from '../../../application/audit/ledger-digest.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import { existingLedgerTarget } from '../cli-ledger.js';
import { readInputFile, writeAtomically } from './audit-files.js';

interface DigestOptions {
  readonly ledger?: string;
  readonly out?: string;
  readonly signKey?: string;
  readonly json?: boolean;
}

async function digest(io: CliIo, services: CliServices, options: DigestOptions): Promise<void> {
  // The key is read first: a bad key stops the command before the ledger is opened.
  const key =
    options.signKey === undefined
      ? undefined
      : parsePrivateKey(readInputFile(io, '--sign-key', options.signKey), options.signKey);
  const clock = services.clock;
  const ledger = services.openLedger(existingLedgerTarget(io, options.ledger), { readOnly: true });
  let taken;
  try {
    taken = await takeDigest(ledger.events, clock, key);
  } finally {
    await ledger.close();
  }
  const text = `${JSON.stringify(taken, null, 2)}\n`;
  if (options.out === undefined) {
    io.stdout.write(text);
    return;
  }
  const out = resolve(io.cwd, options.out);
  await writeAtomically(out, {}, (file) => file.write(text));
  if (options.json === true) {
    io.stdout.write(JSON.stringify({ out, digest: taken }) + '\n');
    return;
  }
  const signed =
    taken.signature === undefined ? 'unsigned' : `signed by ${taken.signature.keyFingerprint}`;
  writeLine(
    io.stdout,
    `digest written to ${out}: position ${taken.position}, head ${taken.headHash}, ${signed}`,
  );
  writeLine(
    io.stdout,
    'keep it away from the ledger host; later run: gtx audit verify --digest <file>',
  );
}

export function registerAuditDigest(audit: Command, io: CliIo, services: CliServices): void {
  audit
    .command('digest')
    .description("record the ledger's head (position + hash), optionally signed with ed25519")
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--out <file>', 'write the digest to this file (atomically) instead of standard output')
    .option('--sign-key <keyfile>', 'ed25519 private key (PEM) to sign the digest with')
    .option('--json', 'with --out: print the digest and path as JSON')
    .action(async (options: DigestOptions) => {
      await digest(io, services, options);
    });
}
