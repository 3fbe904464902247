import type { Command } from 'commander';
import {
  AUDIT_REASON_TEXT,
  type AuditVerification,
} from '../../../application/audit/audit-chain.js';
import { AuditUsageError } from '../../../application/audit/audit-errors.js';
import {
  EXPORT_REASON_TEXT,
  verifyExport,
  type ExportVerification,
} from '../../../application/audit/export-verification.js';
import {
  checkDigestSignature,
  parseDigest,
  parsePublicKey,
  type LedgerDigest,
  type SignatureCheck,
} from '../../../application/audit/ledger-digest.js';
import { verifyLedger } from '../../../application/audit/ledger-verification.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import { EXIT } from '../exit-codes.js';
import { startTerminalProgress } from '../progress.js';
import { CliExit } from '../run-cli.js';
import { existingLedgerTarget } from '../cli-ledger.js';
import { readInputFile, readLines } from './audit-files.js';

interface VerifyOptions {
  readonly ledger?: string;
  readonly digest?: string;
  readonly publicKey?: string;
  readonly file?: string;
  readonly json?: boolean;
}

/** What the digest check found, reported beside the chain's result. */
type DigestReport = null | {
  readonly position: number;
  readonly headHash: string;
  readonly takenAt: string;
  readonly signature: SignatureCheck['status'] | 'notChecked';
  readonly keyFingerprint?: string;
};

/** Ledgers at least this long get a progress bar (on a terminal only). */
const PROGRESS_FROM_ROWS = 5000;

function loadDigest(
  io: CliIo,
  options: VerifyOptions,
): { digest: LedgerDigest; report: DigestReport } | null {
  if (options.digest === undefined) {
    if (options.publicKey !== undefined) {
      throw new AuditUsageError('--public-key checks a signed digest: pass --digest too');
    }
    return null;
  }
  const digest = parseDigest(readInputFile(io, '--digest', options.digest), options.digest);
  const base = { position: digest.position, headHash: digest.headHash, takenAt: digest.takenAt };
  if (options.publicKey === undefined) {
    return {
      digest,
      report: {
        ...base,
        signature: digest.signature === undefined ? 'unsigned' : 'notChecked',
        ...(digest.signature === undefined
          ? {}
          : { keyFingerprint: digest.signature.keyFingerprint }),
      },
    };
  }
  const key = parsePublicKey(
    readInputFile(io, '--public-key', options.publicKey),
    options.publicKey,
  );
  const check = checkDigestSignature(digest, key);
  return {
    digest,
    report: {
      ...base,
      signature: check.status,
      ...('keyFingerprint' in check ? { keyFingerprint: check.keyFingerprint } : {}),
    },
  };
}

const SIGNATURE_PROBLEM: Partial<Record<SignatureCheck['status'] | 'notChecked', string>> = {
  unsigned: 'the digest is not signed, but --public-key asks for a signature',
  otherKey: 'the digest was signed by another key than --public-key',
  invalid: 'the digest signature does not verify: the digest was altered or forged',
};

function describeDigest(report: Exclude<DigestReport, null>): string {
  const signature = {
    valid: `signature valid (key ${report.keyFingerprint ?? '?'})`,
    notChecked: `signed by ${report.keyFingerprint ?? '?'}, signature NOT checked (pass --public-key)`,
    unsigned: 'unsigned',
    otherKey: 'signed by another key',
    invalid: 'signature INVALID',
  }[report.signature];
  return `digest: position ${report.position} taken ${report.takenAt}, ${signature}`;
}

async function verifyStoredLedger(
  io: CliIo,
  services: CliServices,
  options: VerifyOptions,
  digest: LedgerDigest | null,
): Promise<AuditVerification> {
  // An auditor may hold only a read-only copy or mount: verifying never writes.
  const ledger = services.openLedger(existingLedgerTarget(io, options.ledger), { readOnly: true });
  try {
    const total = (await ledger.events.head()).position;
    const progress =
      total >= PROGRESS_FROM_ROWS
        ? startTerminalProgress(io, {
            label: 'verifying',
            total,
            clock: services.clock,
            ...(options.json === undefined ? {} : { json: options.json }),
          })
        : null;
    try {
      return await verifyLedger(ledger.events, {
        ...(digest === null
          ? {}
          : { checkpoints: [{ position: digest.position, hash: digest.headHash }] }),
        onProgress: (verified) => progress?.update(verified),
      });
    } finally {
      progress?.stop();
    }
  } finally {
    await ledger.close();
  }
}

function printLedgerResult(
  io: CliIo,
  result: AuditVerification,
  digest: DigestReport,
  json: boolean,
): void {
  if (json) {
    writeLine(io.stdout, JSON.stringify({ source: 'ledger', ...result, digest }));
    return;
  }
  if (result.ok) {
    const range =
      result.count === 0
        ? 'empty ledger'
        : `positions ${result.firstPosition ?? '?'}..${result.lastPosition ?? '?'}`;
    writeLine(io.stdout, `ok: ${result.count} events, ${range}, head ${result.headHash}`);
  } else {
    writeLine(
      io.stdout,
      `BROKEN at position ${result.position}: ${AUDIT_REASON_TEXT[result.reason]} (${result.reason})`,
    );
    writeLine(io.stdout, `  ${result.detail}`);
    writeLine(io.stdout, `  ${result.count} events verified before it`);
  }
  if (digest !== null) writeLine(io.stdout, describeDigest(digest));
}

function printExportResult(
  io: CliIo,
  result: ExportVerification,
  digest: DigestReport,
  json: boolean,
): void {
  if (json) {
    const { header: _header, ...rest } = result.ok ? result : { ...result, header: undefined };
    writeLine(io.stdout, JSON.stringify({ source: 'export', ...rest, digest }));
    return;
  }
  if (result.ok) {
    const range =
      result.count === 0
        ? 'no rows'
        : `positions ${result.firstPosition ?? '?'}..${result.lastPosition ?? '?'}`;
    const kind = result.partial
      ? 'partial export: each row matches its recorded prev hash; rows left out by the filter are not checked'
      : `full export: the whole chain up to head ${result.header.head.position} verifies`;
    writeLine(io.stdout, `ok: ${result.count} events, ${range}, ${kind}`);
    if (digest !== null && !result.checkpointsChecked.includes(digest.position)) {
      writeLine(
        io.stdout,
        `note: the digest's position ${digest.position} is not in this export, so it was not compared`,
      );
    }
  } else {
    const where =
      result.position === null
        ? `line ${result.line}`
        : `position ${result.position} (line ${result.line})`;
    writeLine(
      io.stdout,
      `BROKEN at ${where}: ${EXPORT_REASON_TEXT[result.reason]} (${result.reason})`,
    );
    writeLine(io.stdout, `  ${result.detail}`);
  }
  if (digest !== null) writeLine(io.stdout, describeDigest(digest));
}

async function verify(io: CliIo, services: CliServices, options: VerifyOptions): Promise<void> {
  if (options.file !== undefined && options.ledger !== undefined) {
    throw new AuditUsageError('pass --ledger or --file, not both');
  }
  const json = options.json === true;
  const loaded = loadDigest(io, options);
  const report = loaded?.report ?? null;
  // Signature problems count only when the verifier brought a key to check with.
  const problem =
    report === null || options.publicKey === undefined
      ? undefined
      : SIGNATURE_PROBLEM[report.signature];
  if (problem !== undefined) {
    if (json)
      writeLine(
        io.stdout,
        JSON.stringify({ ok: false, reason: 'signature', detail: problem, digest: report }),
      );
    else writeLine(io.stdout, `BROKEN: ${problem}`);
    throw new CliExit(EXIT.ledgerBroken);
  }
  const digest = loaded?.digest ?? null;
  if (options.file !== undefined) {
    const lines = readLines(io, '--file', options.file);
    const result = await verifyExport(
      lines,
      digest === null
        ? {}
        : { checkpoints: [{ position: digest.position, hash: digest.headHash }] },
    );
    printExportResult(io, result, report, json);
    if (!result.ok) throw new CliExit(EXIT.ledgerBroken);
    return;
  }
  const result = await verifyStoredLedger(io, services, options, digest);
  printLedgerResult(io, result, report, json);
  if (!result.ok) throw new CliExit(EXIT.ledgerBroken);
}

export function registerAuditVerify(audit: Command, io: CliIo, services: CliServices): void {
  audit
    .command('verify')
    .description(
      'recompute the hash chain of the ledger (or of an export) and name the first break',
    )
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--digest <file>', 'a digest taken earlier: its row must still carry its head hash')
    .option('--public-key <file>', "check the digest's ed25519 signature with this public key")
    .option('--file <export.ndjson>', 'verify an NDJSON export offline instead of the ledger')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExit codes: 0 intact, 5 broken (or the digest signature fails), 1 bad input.',
    )
    .action(async (options: VerifyOptions) => {
      await verify(io, services, options);
    });
}
