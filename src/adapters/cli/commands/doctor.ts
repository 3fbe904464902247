import { InvalidArgumentError, type Command } from 'commander';
import { writeLine, type CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import { EXIT } from '../exit-codes.js';
import type { CommandRegistrar } from '../run-cli.js';
import { CliExit } from '../run-cli.js';
import { runDoctorChecks, type CheckResult } from './doctor-checks.js';

interface DoctorCommandOptions {
  readonly ledger?: string;
  readonly verifyLast: number;
  readonly json?: boolean;
}

export const DEFAULT_VERIFY_LAST = 1000;

function wholeNumber(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/u.test(value) || !Number.isSafeInteger(parsed)) {
    throw new InvalidArgumentError('must be a whole number of events (0 or more)');
  }
  return parsed;
}

function line(check: CheckResult): string {
  if (check.ok) return `PASS ${check.name} — ${check.detail}`;
  return `FAIL ${check.name} — ${check.detail}${check.hint === null ? '' : ` (${check.hint})`}`;
}

async function doctor(
  io: CliIo,
  services: CliServices,
  options: DoctorCommandOptions,
): Promise<void> {
  const checks = await runDoctorChecks(io, services, {
    ...(options.ledger === undefined ? {} : { ledger: options.ledger }),
    verifyLast: options.verifyLast,
  });
  const ok = checks.every((check) => check.ok);
  if (options.json === true) {
    writeLine(io.stdout, JSON.stringify({ ok, checks }));
  } else {
    for (const check of checks) writeLine(io.stdout, line(check));
  }
  if (!ok) throw new CliExit(EXIT.doctorFailed);
}

export const registerDoctor: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  program
    .command('doctor')
    .description(
      'check the setup: settings, the ledger, the Genesys credentials, the Open Messaging integration, its Supported Content profile and webhook, and the clock',
    )
    .option(
      '--ledger <path>',
      'the ledger: a file path or postgres://…?schema=… URL (default GTX_LEDGER, else ./gtx-ledger.db)',
    )
    .option(
      '--verify-last <n>',
      `how many of the newest ledger events to verify (gtx audit verify checks them all)`,
      wholeNumber,
      DEFAULT_VERIFY_LAST,
    )
    .option('--json', 'one JSON object with every check')
    .addHelpText(
      'after',
      [
        '',
        'Each check prints PASS or FAIL with what it found; a FAIL says what to do in brackets.',
        'Checks that need a token (or the integration) are "not checked" when it cannot be had.',
        'Nothing secret is printed: not the client secret, not the webhook signature secret.',
        '',
        'It reads the same settings as every command (GENESYS_CLIENT_ID, GENESYS_CLIENT_SECRET,',
        'GENESYS_INTEGRATION_ID, GTX_LEDGER, GTX_POLICY_FILE…). Against a local sandbox:',
        '  gtx sandbox --port 9000 &',
        '  GENESYS_API_URL=http://127.0.0.1:9000 GENESYS_CLIENT_ID=sandbox-client \\',
        '  GENESYS_CLIENT_SECRET=sandbox-secret GENESYS_INTEGRATION_ID=sandbox-integration gtx doctor',
        '',
        `Exit codes: 0 every check passes, ${EXIT.doctorFailed} at least one fails, 1 bad usage.`,
      ].join('\n'),
    )
    .action(async (options: DoctorCommandOptions) => {
      await doctor(io, services, options);
    });
};
