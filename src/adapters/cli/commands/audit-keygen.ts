import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { AuditOutputError } from '../../../application/audit/audit-errors.js';
import { generateSigningKeyPair } from '../../../application/audit/ledger-digest.js';
import { writeLine, type CliIo } from '../cli-io.js';
import { writeAtomically } from './audit-files.js';

interface KeygenOptions {
  readonly out: string;
  readonly json?: boolean;
}

async function keygen(io: CliIo, options: KeygenOptions): Promise<void> {
  const prefix = resolve(io.cwd, options.out);
  const privatePath = `${prefix}.key`;
  const publicPath = `${prefix}.pub`;
  // Checked before either is written, so a refusal leaves no half of a pair behind.
  for (const path of [privatePath, publicPath]) {
    if (existsSync(path))
      throw new AuditOutputError(path, 'it exists already; keys are never overwritten');
  }
  const pair = generateSigningKeyPair();
  await writeAtomically(privatePath, { mode: 0o600, overwrite: false }, (file) =>
    file.write(pair.privateKeyPem),
  );
  await writeAtomically(publicPath, { mode: 0o644, overwrite: false }, (file) =>
    file.write(pair.publicKeyPem),
  );
  if (options.json === true) {
    writeLine(
      io.stdout,
      JSON.stringify({
        privateKey: privatePath,
        publicKey: publicPath,
        keyFingerprint: pair.keyFingerprint,
      }),
    );
    return;
  }
  writeLine(
    io.stdout,
    `private key: ${privatePath} (mode 0600; keep it secret, use with gtx audit digest --sign-key)`,
  );
  writeLine(
    io.stdout,
    `public key:  ${publicPath} (give it to auditors: gtx audit verify --public-key)`,
  );
  writeLine(io.stdout, `fingerprint: ${pair.keyFingerprint}`);
}

export function registerAuditKeygen(audit: Command, io: CliIo): void {
  audit
    .command('keygen')
    .description('make an ed25519 key pair for signing digests: PREFIX.key (0600) and PREFIX.pub')
    .requiredOption('--out <prefix>', 'path prefix of the two key files')
    .option('--json', 'machine-readable output')
    .action(async (options: KeygenOptions) => {
      await keygen(io, options);
    });
}
