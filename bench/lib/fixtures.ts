/** Inputs shared by the benchmarks: commands, ledger rows shaped like real ones, a fast transport. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import platformClient from 'purecloud-platform-client-v2';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import { openSqliteLedger } from '../../src/adapters/sqlite/sqlite-ledger.js';
import type { MessageInput } from '../../src/application/commands/command-input.js';
import { GENESIS_HASH } from '../../src/application/ledger/hash-chain.js';
import { encodeAppendRequest, planAppend } from '../../src/application/ledger/ledger-rows.js';
import type {
  LedgerHead,
  MessagingTransport,
  NewEvent,
  TransportOutcome,
  TransportRequest,
} from '../../src/application/ports/index.js';
import { createTransmitter, type TransmitterOptions } from '../../src/main.js';

export const INTEGRATION_ID = 'bench-integration';
export const SANDBOX_CLIENT = { clientId: 'sandbox-client', clientSecret: 'sandbox-secret' };
const TEXT =
  'Hello, I would like to move my booking from Friday to Saturday morning if that is possible.';

/** A fixed master key: the benchmarks never write a key file they would have to clean up. */
export const BENCH_MASTER_KEY = randomBytes(32);

/** The n-th guest message; guests (and so conversations) repeat every `guests` messages. */
export function messageInput(run: string, n: number, guests: number): MessageInput {
  const guest = n % guests;
  return {
    id: `${run}-${String(n)}`,
    guest: { id: `guest-${String(guest)}`, nickname: `Guest ${String(guest)}` },
    conversation: `conversation-${String(guest)}`,
    text: TEXT,
    metadata: { channel: 'web', locale: 'en-GB' },
  };
}

export function* messageInputs(
  run: string,
  count: number,
  guests: number,
): Generator<MessageInput> {
  for (let n = 0; n < count; n += 1) yield messageInput(run, n, guests);
}

/**
 * Answers every send at once, from memory: the memory benchmark's stand-in for Genesys, so a
 * million commands take minutes rather than the hour the SDK over loopback would.
 */
export class InstantTransport implements MessagingTransport {
  private sent = 0;

  send(request: TransportRequest): Promise<TransportOutcome> {
    this.sent += 1;
    return Promise.resolve({
      ok: true,
      genesysMessageId: `gm-${request.commandId}`,
      genesysConversationId: `gc-${request.conversationRef}`,
      correlationId: null,
    });
  }

  get count(): number {
    return this.sent;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Options every benchmark transmitter shares: quiet logs, our own rate limit out of the way. */
export function transmitterOptions(
  ledgerPath: string,
  overrides: Partial<TransmitterOptions> = {},
): TransmitterOptions {
  return {
    ledger: { path: ledgerPath },
    logLevel: 'warn',
    rateLimit: { perMinute: 1e9, burst: 1000 },
    pipeline: { concurrency: 16 },
    privacy: { masterKey: BENCH_MASTER_KEY, onKeyGenerated: () => undefined },
    ...overrides,
  };
}

/** The events of one transmission stream, with the command id they were written for. */
export interface StreamTemplate {
  readonly commandId: string;
  readonly events: readonly NewEvent[];
}

interface TemplateRow {
  readonly streamId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: string;
  readonly metadata: string;
}

/**
 * Runs the real transmitter (validation, sealing, pipeline) over a few messages and keeps the
 * streams it wrote: requested, attempt started, delivered, content sealed as in production.
 */
export async function transmissionTemplates(tmpDir: string): Promise<readonly StreamTemplate[]> {
  const path = join(tmpDir, 'templates.db');
  const transmitter = createTransmitter(
    transmitterOptions(path, { adapters: { transport: new InstantTransport() } }),
  );
  await transmitter.submitMany(messageInputs('template', 16, 16));
  await transmitter.close();
  const db = new Database(path, { readonly: true });
  const rows = db
    .prepare(
      `SELECT stream_id AS streamId, event_type AS type, schema_version AS schemaVersion, data,
       metadata FROM events WHERE stream_id LIKE 'transmission-%' ORDER BY global_position`,
    )
    .all() as TemplateRow[];
  db.close();
  const streams = new Map<string, NewEvent[]>();
  for (const row of rows) {
    const events = streams.get(row.streamId) ?? [];
    events.push({
      type: row.type,
      schemaVersion: row.schemaVersion,
      data: JSON.parse(row.data) as unknown,
      metadata: JSON.parse(row.metadata) as NewEvent['metadata'],
    });
    streams.set(row.streamId, events);
  }
  return [...streams].map(([streamId, events]) => ({
    commandId: streamId.slice('transmission-'.length),
    events,
  }));
}

/** A template's events for another command id (the sealed content is kept as it is). */
export function cloneStream(template: StreamTemplate, commandId: string): readonly NewEvent[] {
  return template.events.map((event) => {
    const json = JSON.stringify({ data: event.data, metadata: event.metadata }).replaceAll(
      template.commandId,
      commandId,
    );
    const { data, metadata } = JSON.parse(json) as Pick<NewEvent, 'data' | 'metadata'>;
    return { type: event.type, schemaVersion: event.schemaVersion, data, metadata };
  });
}

/**
 * Writes `eventCount` events shaped like production ones. The rows are numbered and chained by
 * the ledger's own code (encodeAppendRequest, planAppend) and inserted in large transactions
 * into a file the ledger created (so its schema and chain triggers apply), with
 * synchronous=OFF: setup only. The transmissions projection is left empty: nothing read by the
 * audit and feed benchmarks uses it.
 */
export async function buildLedger(
  path: string,
  eventCount: number,
  templates: readonly StreamTemplate[],
  onProgress?: (written: number) => void,
): Promise<void> {
  await openSqliteLedger({ path, clock: new SystemClock() }).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(`INSERT INTO events (global_position, stream_id, stream_version,
    event_type, schema_version, data, metadata, recorded_at, prev_hash, hash)
    VALUES (@position, @streamId, @streamVersion, @type, @schemaVersion, @dataJson,
    @metadataJson, @recordedAt, @prevHash, @hash)`);
  let head: LedgerHead = { position: 0, hash: GENESIS_HASH };
  let stream = 0;
  const wave = db.transaction((until: number) => {
    while (head.position < until) {
      const template = templates[stream % templates.length];
      if (template === undefined) throw new Error('no templates');
      const commandId = `bench-${String(stream)}`;
      const streamId = `transmission-${commandId}`;
      const events = cloneStream(template, commandId).slice(0, eventCount - head.position);
      const encoded = encodeAppendRequest({ streamId, expectedVersion: 'noStream', events });
      const plan = planAppend(head, streamId, 0, encoded, Date.now());
      for (const row of plan.rows) insert.run(row);
      head = plan.head;
      stream += 1;
    }
  });
  while (head.position < eventCount) {
    wave(Math.min(eventCount, head.position + 20_000));
    onProgress?.(head.position);
    // Let the event loop breathe between waves (progress output, IPC).
    await new Promise((resolve) => setImmediate(resolve));
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

/** A plain SDK client the way its README sets one up, pointed at the sandbox. */
export async function bareSdkClient(sandboxUrl: string): Promise<platformClient.ConversationsApi> {
  const client = new platformClient.ApiClientClass();
  client.config.live_reload_config = false;
  const url = new URL(sandboxUrl);
  client.setGateway({ host: url.hostname, protocol: 'http', port: Number(url.port) });
  await client.loginClientCredentialsGrant(SANDBOX_CLIENT.clientId, SANDBOX_CLIENT.clientSecret);
  return new platformClient.ConversationsApi(client);
}

/** The same body our transport sends for `messageInput(run, n, guests)`. */
export function openMessageBody(
  run: string,
  n: number,
  guests: number,
): platformClient.Models.OpenInboundNormalizedMessage {
  const input = messageInput(run, n, guests);
  return {
    channel: {
      messageId: input.id ?? `${run}-${String(n)}`,
      time: new Date().toISOString(),
      from: { id: input.guest.id, idType: 'Opaque', nickname: input.guest.nickname ?? '' },
    },
    text: input.text ?? '',
    metadata: input.metadata ?? {},
  };
}
