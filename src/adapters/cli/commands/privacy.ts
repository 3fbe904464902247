import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { GuestSessionEraser } from '../../../application/ports/guest-session-eraser.port.js';
import {
  GuestPrivacy,
  type ForgetResult,
  type GuestPrivacyStatus,
} from '../../../application/privacy/guest-privacy.js';
import { existingLedgerTarget } from '../cli-ledger.js';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices, ForgettingGuestKeyStore } from '../cli-services.js';
import type { CommandRegistrar } from '../run-cli.js';

interface PrivacyCommandOptions {
  readonly guest: string;
  readonly ledger?: string;
  readonly json?: boolean;
}

/** Opens the session store at the first erasure only: `status` never touches (or creates) it. */
function openedOnFirstUse(open: () => GuestSessionEraser): GuestSessionEraser {
  let opened: GuestSessionEraser | null = null;
  return {
    eraseGuestSessions: (guestId) => {
      opened ??= open();
      return opened.eraseGuestSessions(guestId);
    },
    close: () => opened?.close() ?? Promise.resolve(),
  };
}

/**
 * Runs `work` on the ledger and its key store; neither needs the master key (`status` reads it
 * on a pseudonymised ledger, to find the guest's transmissions).
 */
async function withPrivacy<T>(
  io: CliIo,
  services: CliServices,
  ledgerOption: string | undefined,
  work: (privacy: GuestPrivacy, keys: ForgettingGuestKeyStore) => Promise<T>,
): Promise<T> {
  const target = existingLedgerTarget(io, ledgerOption);
  const ledger = services.openLedger(target);
  try {
    const keys = services.openGuestKeys(target);
    try {
      const sessions = openedOnFirstUse(() => services.openGuestSessionEraser(io, target));
      const lookup = services.openGuestLookup(io, target);
      try {
        return await work(
          new GuestPrivacy({
            ledger: ledger.events,
            keys,
            sessions,
            clock: services.clock,
            pseudonymiser: lookup.pseudonymiser,
          }),
          keys,
        );
      } finally {
        await lookup.close();
        await sessions.close();
      }
    } finally {
      await keys.close();
    }
  } finally {
    await ledger.close();
  }
}

function describeForget(result: ForgetResult): string {
  return `${describeKeyErasure(result)} Session tokens deleted: ${result.sessionTokensDeleted}.`;
}

function describeKeyErasure(result: ForgetResult): string {
  const guest = `guest ${result.guestIdHash.slice(0, 16)}…`;
  switch (result.status) {
    case 'erased': {
      const [erasure] = result.erasures;
      return `${guest}: key ${erasure?.keyId ?? '?'} destroyed; GuestDataErased recorded at position ${String(erasure?.position)}. Their message content now reads as erased; the ledger still verifies.`;
    }
    case 'alreadyErased': {
      const last = result.previous.at(-1);
      return `${guest}: nothing left to erase; already forgotten at ${last?.erasedAt ?? '?'} (position ${String(last?.position)}).`;
    }
    case 'unknownGuest':
      return `${guest}: nothing to erase; no content of this guest is sealed in this ledger.`;
  }
}

function describeStatus(status: GuestPrivacyStatus): string[] {
  const t = status.transmissions;
  const a = status.agentMessages;
  return [
    `guest ${status.guestIdHash.slice(0, 16)}…: ${status.activeKeyId === null ? 'no active key' : `active key ${status.activeKeyId}`}`,
    `transmissions: ${t.total} (${t.readable} readable, ${t.erased} erased, ${t.plain} unsealed)`,
    `agent messages: ${a.total} (${a.readable} readable, ${a.erased} erased, ${a.plain} unsealed)`,
    ...status.erasures.map(
      (e) => `erased key ${e.keyId} at ${e.erasedAt} (position ${e.position})`,
    ),
  ];
}

export const registerPrivacy: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  const privacy = program
    .command('privacy')
    .description('erase a guest’s personal data (by destroying its key) and check what is left');
  privacy
    .command('forget')
    .description(
      'destroy the guest’s data key: their texts, attachment names and profile fields become unreadable; the erasure is recorded and the ledger still verifies',
    )
    .requiredOption(
      '--guest <id>',
      'the guest id the messages were sent for, as sent (also on a pseudonymised ledger)',
    )
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: PrivacyCommandOptions) => {
      await withPrivacy(io, services, options.ledger, async (guests, keys) => {
        const result = await guests.forget(options.guest);
        if (result.status === 'erased' && !keys.forgetDiagnostics().walCheckpointed) {
          writeLine(
            io.stderr,
            'gtx: the WAL could not be emptied now (another process is reading); the destroyed key leaves it at the next checkpoint',
          );
        }
        writeLine(
          io.stdout,
          options.json === true ? JSON.stringify(result) : describeForget(result),
        );
      });
    });
  privacy
    .command('rotate-master-key')
    .description(
      're-wrap every guest key with a new master key; the key in use keeps working until this finishes, then give the new key to every worker (rerun to finish a rotation that stopped)',
    )
    .requiredOption(
      '--new-key-file <path>',
      'a file holding the new master key (base64 of 32 bytes)',
    )
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--json', 'print the result as JSON')
    .action(async (options: { newKeyFile: string; ledger?: string; json?: boolean }) => {
      const target = existingLedgerTarget(io, options.ledger);
      const report = await services.rotateMasterKey(
        io,
        target,
        resolve(io.cwd, options.newKeyFile),
      );
      writeLine(
        io.stdout,
        options.json === true
          ? JSON.stringify(report)
          : `${report.keys} guest key(s) now wrapped by the new master key only (${report.newWrapsAdded} given a new wrap, ${report.oldWrapsDropped} old wrap(s) removed in this run). Now give every worker the new key (GTX_MASTER_KEY or its key file), then run this same command once more, still with the old key, to re-wrap keys workers made in the meantime.`,
      );
    });
  privacy
    .command('status')
    .description(
      'show whether a guest has a data key, its erasures, and how many of its transmissions and agent messages are readable or erased',
    )
    .requiredOption(
      '--guest <id>',
      'the guest id as sent (hashed with the ledger key first on a pseudonymised ledger: needs the master key)',
    )
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option('--json', 'print the status as JSON')
    .action(async (options: PrivacyCommandOptions) => {
      await withPrivacy(io, services, options.ledger, async (guests) => {
        const status = await guests.status(options.guest);
        if (options.json === true) {
          writeLine(io.stdout, JSON.stringify(status));
          return;
        }
        for (const line of describeStatus(status)) writeLine(io.stdout, line);
      });
    });
};
