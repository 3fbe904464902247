import { Option } from 'commander';
import { conversationTranscript } from '../../../application/agent-replies/conversation-transcript.js';
import type { CliIo } from '../cli-io.js';
import { EXIT } from '../exit-codes.js';
import { existingLedgerTarget } from '../cli-ledger.js';
import type { CliServices } from '../cli-services.js';
import type { CommandRegistrar } from '../run-cli.js';
import {
  formatTranscript,
  TRANSCRIPT_FORMATS,
  type TranscriptFormat,
} from '../transcript-format.js';

interface TranscriptOptions {
  readonly conversation: string;
  readonly ledger?: string;
  readonly format: TranscriptFormat;
  readonly reveal?: boolean;
}

async function printTranscript(
  io: CliIo,
  services: CliServices,
  options: TranscriptOptions,
): Promise<void> {
  const path = existingLedgerTarget(io, options.ledger);
  const lookup = services.openGuestLookup(io, path);
  const guestKeys = services.openGuestKeys(path);
  const opened = options.reveal === true ? services.openPersonalDataViewer(io, path) : undefined;
  const ledger = services.openLedger(path, { readOnly: true });
  try {
    const storedConversationRef = await lookup.pseudonymiser.conversationRef(options.conversation);
    const transcript = await conversationTranscript(
      {
        events: ledger.events,
        guestKeys,
        ...(opened === undefined ? {} : { vault: opened.vault }),
      },
      {
        conversationRef: options.conversation,
        storedConversationRef,
        reveal: opened !== undefined,
      },
    );
    io.stdout.write(formatTranscript(transcript, options.format));
  } finally {
    await ledger.close();
    await opened?.close();
    await guestKeys.close();
    await lookup.close();
  }
}

/** `gtx transcript`. */
export const registerTranscript: CommandRegistrar = (program, io, services) => {
  program
    .command('transcript')
    .description(
      'print one conversation from the ledger, both sides in order, with delivery states and receipts',
    )
    .requiredOption(
      '--conversation <ref>',
      'the conversation reference, as the guest messages named it (also on a pseudonymised ledger)',
    )
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .addOption(
      new Option(
        '--format <format>',
        'text (one line per entry), json (one document) or html (one page)',
      )
        .choices(TRANSCRIPT_FORMATS)
        .default('text'),
    )
    .option(
      '--reveal',
      'show the text of each message (erased ones stay erased); needs the master key. Without it: hashes and sizes only',
    )
    .addHelpText(
      'after',
      `\nExamples:\n  gtx transcript --conversation conv-42\n  gtx transcript --conversation conv-42 --format html --reveal > conv-42.html\n\nAn unknown conversation exits with code ${String(EXIT.conversationNotFound)} (CONVERSATION_NOT_FOUND).`,
    )
    .action(async (options: TranscriptOptions) => {
      await printTranscript(io, services, options);
    });
};
