// Why over 400 lines: every check of `gtx doctor` and the order that ties them (each check
// that needs an earlier one's answer says so); apart, the dependencies between checks would be
// spread over files that each see half of them.
/**
 * The checks of `gtx doctor`, each a pass or a fail with a detail and, for a fail, what to do.
 * They run independently: one that needs what an earlier one could not give (valid settings, a
 * token, the integration's answer) fails as "not checked" and names what it needed. Nothing here
 * prints a secret: the client secret and the webhook's signature secret never reach a detail,
 * and a URL is shown without credentials or query.
 */
import { resolve } from 'node:path';
import { AUDIT_REASON_TEXT } from '../../../application/audit/audit-chain.js';
import { verifyLedger } from '../../../application/audit/ledger-verification.js';
import type {
  DirectoryAnswer,
  IntegrationDirectory,
  OpenIntegrationSummary,
} from '../../../application/ports/index.js';
import { hasErrorCode, isGtxError } from '../../../domain/index.js';
import { compilePolicy, oneLine, uncoveredMediaPatterns } from '../../../domain/policies/index.js';
import type { EnvironmentSettings } from '../../config/environment-settings.js';
import { describeLedgerLocation, parseLedgerLocation } from '../../config/ledger-location.js';
import { loadPolicyFile } from '../../config/policy-file.js';
import type { CliIo } from '../cli-io.js';
import { existingLedgerTarget } from '../cli-ledger.js';
import { readSettings } from '../cli-runtime.js';
import type { CliServices } from '../cli-services.js';

export type CheckName =
  'settings' | 'ledger' | 'credentials' | 'integration' | 'supported-content' | 'webhook' | 'clock';

export interface CheckResult {
  readonly name: CheckName;
  readonly ok: boolean;
  /** False when a check could not run because one it depends on failed. */
  readonly checked: boolean;
  readonly detail: string;
  /** What to do about a failure. */
  readonly hint: string | null;
}

export interface DoctorOptions {
  readonly ledger?: string;
  /** How many of the newest events to verify. */
  readonly verifyLast: number;
}

const pass = (name: CheckName, detail: string): CheckResult => ({
  name,
  ok: true,
  checked: true,
  detail,
  hint: null,
});

const fail = (name: CheckName, detail: string, hint: string): CheckResult => ({
  name,
  ok: false,
  checked: true,
  detail,
  hint,
});

const notChecked = (name: CheckName, needs: string): CheckResult => ({
  name,
  ok: false,
  checked: false,
  detail: `not checked: needs ${needs}`,
  hint: null,
});

function messageOf(error: unknown): string {
  const message = oneLine(error instanceof Error ? error.message : String(error));
  return isGtxError(error) && !message.includes(error.code)
    ? `${message} (${error.code})`
    : message;
}

/** Settings and, when they are valid, the media types the local policy allows. */
interface LoadedSettings {
  readonly settings: EnvironmentSettings;
  readonly localMediaTypes: readonly string[];
}

function checkSettings(io: CliIo): { result: CheckResult; loaded: LoadedSettings | null } {
  try {
    const settings = readSettings(io);
    const policyFile =
      settings.GTX_POLICY_FILE === undefined
        ? {}
        : loadPolicyFile(resolve(io.cwd, settings.GTX_POLICY_FILE));
    const localMediaTypes = compilePolicy(policyFile).settings.supportedMediaTypes;
    const policy =
      settings.GTX_POLICY_FILE === undefined
        ? 'default policy'
        : `policy ${settings.GTX_POLICY_FILE}`;
    return {
      result: pass(
        'settings',
        `valid; transport ${settings.GTX_TRANSPORT}, ${policy}, media policy ${settings.GTX_MEDIA_POLICY}`,
      ),
      loaded: { settings, localMediaTypes },
    };
  } catch (error) {
    return {
      result: fail('settings', messageOf(error), 'fix the settings named (environment or .env)'),
      loaded: null,
    };
  }
}

async function checkLedger(
  io: CliIo,
  services: CliServices,
  settings: EnvironmentSettings,
  options: DoctorOptions,
): Promise<CheckResult> {
  const given = options.ledger ?? settings.GTX_LEDGER;
  const shown = describeLedgerLocation(parseLedgerLocation(given, io.cwd));
  try {
    // A file must exist: the check must not create an empty ledger at a typo.
    const target = existingLedgerTarget(io, given);
    const inspection = await services.inspectLedger(target);
    if (inspection.schemaVersion !== inspection.latestSchemaVersion) {
      return fail(
        'ledger',
        `${shown}: schema version ${inspection.schemaVersion}, this program's is ${inspection.latestSchemaVersion}`,
        inspection.schemaVersion < inspection.latestSchemaVersion
          ? 'open it once with write access (any gtx command that writes) to migrate it'
          : 'upgrade genesys-transmitter',
      );
    }
    const ledger = services.openLedger(target, { readOnly: true });
    try {
      const head = (await ledger.events.head()).position;
      const afterPosition = Math.max(0, head - options.verifyLast);
      const result = await verifyLedger(ledger.events, { afterPosition });
      const verified = `${head - afterPosition} of ${head} events`;
      if (!result.ok) {
        return fail(
          'ledger',
          `${shown}: BROKEN at position ${result.position}: ${AUDIT_REASON_TEXT[result.reason]} (${result.reason}), checking the last ${verified}`,
          'run gtx audit verify for the whole chain; restore the ledger from a verified copy',
        );
      }
      const summary = `${inspection.engine} ${shown}: schema version ${inspection.schemaVersion}, last ${verified} verify`;
      if (inspection.writeProblem !== null) {
        return fail(
          'ledger',
          `${summary}, but it cannot be written: ${inspection.writeProblem}`,
          'give this user write access (SQLite: the file and its folder; PostgreSQL: INSERT on the events)',
        );
      }
      return pass('ledger', `${summary}, writable`);
    } finally {
      await ledger.close();
    }
  } catch (error) {
    return fail(
      'ledger',
      `${shown}: ${messageOf(error)}`,
      hasErrorCode(error, 'LEDGER_NOT_FOUND')
        ? 'set --ledger or GTX_LEDGER to the ledger gtx writes'
        : 'check the path or URL and that this user may read it',
    );
  }
}

/** The settings the Open Messaging API needs, missing from `settings`. */
function missingApiSettings(settings: EnvironmentSettings): string[] {
  return (['GENESYS_CLIENT_ID', 'GENESYS_CLIENT_SECRET', 'GENESYS_INTEGRATION_ID'] as const).filter(
    (name) => settings[name] === undefined,
  );
}

async function checkCredentials(
  directory: IntegrationDirectory,
  settings: EnvironmentSettings,
): Promise<CheckResult> {
  const where = settings.GENESYS_API_URL ?? `login.${settings.GENESYS_ENVIRONMENT}`;
  try {
    await directory.verifyCredentials();
    return pass(
      'credentials',
      `OAuth client ${settings.GENESYS_CLIENT_ID ?? '?'} obtained a token from ${where}`,
    );
  } catch (error) {
    return fail(
      'credentials',
      messageOf(error),
      hasErrorCode(error, 'GENESYS_AUTH_FAILED')
        ? 'check GENESYS_CLIENT_ID and GENESYS_CLIENT_SECRET (a client-credentials OAuth client)'
        : `check that ${where} can be reached (GENESYS_ENVIRONMENT, GENESYS_API_URL, proxies)`,
    );
  }
}

type IntegrationRead =
  | { readonly ok: true; readonly answer: DirectoryAnswer<OpenIntegrationSummary> }
  | { readonly ok: false; readonly error: unknown };

async function readIntegration(
  directory: IntegrationDirectory,
  integrationId: string,
): Promise<IntegrationRead> {
  try {
    return { ok: true, answer: await directory.integration(integrationId) };
  } catch (error) {
    return { ok: false, error };
  }
}

function checkIntegration(read: IntegrationRead, integrationId: string): CheckResult {
  if (!read.ok) {
    return fail(
      'integration',
      messageOf(read.error),
      hasErrorCode(read.error, 'GENESYS_NOT_FOUND')
        ? 'set GENESYS_INTEGRATION_ID to the id of an Open Messaging integration of this organisation'
        : 'check that the OAuth client has the messaging integration permission',
    );
  }
  const integration = read.answer.value;
  const named = `${integration.name} (${integration.id})`;
  if (integration.createStatus === 'Error') {
    return fail(
      'integration',
      `${named} failed to be created: ${integration.createError ?? 'no reason given'}`,
      'fix or recreate the integration in Genesys Cloud (Admin > Message > Platforms)',
    );
  }
  if (integration.status !== 'Active') {
    return fail(
      'integration',
      `${named} is ${integration.status ?? 'of unknown status'}${integration.createStatus === null ? '' : `, create status ${integration.createStatus}`}`,
      'activate the integration in Genesys Cloud; an inactive one accepts no messages',
    );
  }
  return pass('integration', `${named} of integration ${integrationId} is Active`);
}

async function checkSupportedContent(
  directory: IntegrationDirectory,
  integration: OpenIntegrationSummary,
  loaded: LoadedSettings,
): Promise<CheckResult> {
  const profileId = integration.supportedContentId;
  if (profileId === null) {
    return fail(
      'supported-content',
      `integration ${integration.id} names no Supported Content profile`,
      'assign a Supported Content profile to the integration in Genesys Cloud',
    );
  }
  let profile;
  try {
    profile = (await directory.supportedContent(profileId)).value;
  } catch (error) {
    return fail('supported-content', messageOf(error), 'check the profile the integration names');
  }
  const named = `profile ${profile.name} (${profile.id}) allows inbound ${list(profile.inbound)}`;
  if (loaded.settings.GTX_MEDIA_POLICY === 'from-integration') {
    return pass(
      'supported-content',
      `${named}; it is the media policy (GTX_MEDIA_POLICY=from-integration)`,
    );
  }
  const local = loaded.localMediaTypes;
  const refusedThere = uncoveredMediaPatterns(local, profile.inbound);
  const refusedHere = uncoveredMediaPatterns(profile.inbound, local);
  const narrower =
    refusedHere.length === 0
      ? ''
      : `; the local policy refuses (some of) ${list(refusedHere)}, which the profile allows`;
  if (refusedThere.length > 0) {
    return fail(
      'supported-content',
      `${named}; the local policy allows ${list(refusedThere)}, which the profile refuses${narrower}`,
      'narrow supportedMediaTypes in GTX_POLICY_FILE, widen the profile in Genesys Cloud, or set GTX_MEDIA_POLICY=from-integration',
    );
  }
  return pass(
    'supported-content',
    `${named}; the local policy (${list(local)}) allows nothing it refuses${narrower}`,
  );
}

function list(patterns: readonly string[]): string {
  return patterns.length === 0 ? 'nothing' : patterns.join(', ');
}

/** A URL as it may be shown: without user info, and with any query or fragment elided. */
function shownUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const elided = url.search === '' && url.hash === '' ? '' : '?…';
  return `${url.protocol}//${url.host}${url.pathname}${elided}`;
}

function checkWebhook(integration: OpenIntegrationSummary): CheckResult {
  const url = integration.outboundWebhookUrl;
  if (url === null) {
    return fail(
      'webhook',
      `integration ${integration.id} has no outbound webhook URL: agent replies reach no one`,
      'set the outbound notification webhook URL of the integration to where gtx receives replies',
    );
  }
  const shown = shownUrl(url);
  if (shown === null || !/^https?:$/u.test(new URL(url).protocol)) {
    return fail(
      'webhook',
      'the outbound webhook URL is not an http(s) URL',
      'correct it in Genesys Cloud',
    );
  }
  if (!integration.outboundWebhookSecretSet) {
    return fail(
      'webhook',
      `${shown}, without a signature secret: replies cannot be told from forgeries`,
      'set the webhook signature secret token (more than 15 characters) on the integration',
    );
  }
  return pass('webhook', `${shown} (signature secret set)`);
}

function checkClock(read: IntegrationRead, localNowMs: number, maxSkewMs: number): CheckResult {
  const answered = read.ok
    ? read.answer
    : {
        serverTimeMs: isGtxError(read.error) ? read.error.details['serverTimeMs'] : null,
        receivedAtMs: localNowMs,
      };
  const serverTimeMs = answered.serverTimeMs;
  if (typeof serverTimeMs !== 'number') {
    return fail(
      'clock',
      'Genesys sent no Date header to compare with',
      'check again; a proxy may strip Date',
    );
  }
  // The Date header counts whole seconds, so up to a second of the difference is its rounding.
  const skewMs = serverTimeMs - answered.receivedAtMs;
  const seconds = (Math.abs(skewMs) / 1000).toFixed(1);
  const direction = skewMs > 0 ? 'behind' : 'ahead of';
  const detail = `this clock is ${seconds} s ${direction} Genesys' (limit ${maxSkewMs / 1000} s, GTX_CLOCK_SKEW_MAX_MS)`;
  if (Math.abs(skewMs) > maxSkewMs) {
    return fail(
      'clock',
      detail,
      'synchronise the clock (NTP); message times and token expiry depend on it',
    );
  }
  return pass('clock', detail);
}

/** Every check, in order; the ledger and the Genesys ones do not depend on each other. */
export async function runDoctorChecks(
  io: CliIo,
  services: CliServices,
  options: DoctorOptions,
): Promise<readonly CheckResult[]> {
  const settingsCheck = checkSettings(io);
  const loaded = settingsCheck.loaded;
  if (loaded === null) {
    const needs = 'valid settings';
    return [
      settingsCheck.result,
      ...(
        ['ledger', 'credentials', 'integration', 'supported-content', 'webhook', 'clock'] as const
      ).map((name) => notChecked(name, needs)),
    ];
  }
  const { settings } = loaded;
  const ledger = await checkLedger(io, services, settings, options);
  const missing = missingApiSettings(settings);
  if (missing.length > 0) {
    const needs = missing.join(', ');
    return [
      settingsCheck.result,
      ledger,
      fail('credentials', `${needs} not set`, 'set them to check the Open Messaging integration'),
      ...(['integration', 'supported-content', 'webhook', 'clock'] as const).map((name) =>
        notChecked(name, needs),
      ),
    ];
  }
  const directory = services.openIntegrationDirectory(io, settings);
  try {
    const credentials = await checkCredentials(directory, settings);
    if (!credentials.ok) {
      return [
        settingsCheck.result,
        ledger,
        credentials,
        ...(['integration', 'supported-content', 'webhook', 'clock'] as const).map((name) =>
          notChecked(name, 'credentials'),
        ),
      ];
    }
    const integrationId = settings.GENESYS_INTEGRATION_ID ?? '';
    const read = await readIntegration(directory, integrationId);
    const localNowMs = services.clock.now();
    const integration = checkIntegration(read, integrationId);
    const dependent = read.ok
      ? [
          await checkSupportedContent(directory, read.answer.value, loaded),
          checkWebhook(read.answer.value),
        ]
      : [
          notChecked('supported-content', 'the integration'),
          notChecked('webhook', 'the integration'),
        ];
    return [
      settingsCheck.result,
      ledger,
      credentials,
      integration,
      ...dependent,
      checkClock(read, localNowMs, settings.GTX_CLOCK_SKEW_MAX_MS),
    ];
  } finally {
    await directory.close();
  }
}
