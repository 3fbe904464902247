/**
 * The baseline of benchmark 14 as a whole process: a plain SDK client the way its README sets
 * one up, 16 async loops awaiting postConversationsMessageInboundOpenMessage over the lines of
 * an NDJSON file, then exit. Only the SDK is imported, as a script written without us would.
 * Options as JSON in argv[2]; prints `{"sent": N}` when done.
 */
import { readFileSync } from 'node:fs';
import platformClient from 'purecloud-platform-client-v2';

interface Options {
  readonly apiUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly integrationId: string;
  readonly file: string;
  readonly concurrency: number;
}

interface Line {
  readonly id: string;
  readonly guest: { readonly id: string; readonly nickname?: string };
  readonly text: string;
  readonly metadata: Record<string, string>;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const lines = readFileSync(options.file, 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Line);

const client = new platformClient.ApiClientClass();
client.config.live_reload_config = false;
const url = new URL(options.apiUrl);
client.setGateway({ host: url.hostname, protocol: 'http', port: Number(url.port) });
await client.loginClientCredentialsGrant(options.clientId, options.clientSecret);
const api = new platformClient.ConversationsApi(client);

let next = 0;
let sent = 0;
await Promise.all(
  Array.from({ length: options.concurrency }, async () => {
    while (next < lines.length) {
      const line = lines[next];
      next += 1;
      if (line === undefined) break;
      await api.postConversationsMessageInboundOpenMessage(
        options.integrationId,
        {
          channel: {
            from: { id: line.guest.id, idType: 'Opaque', nickname: line.guest.nickname ?? '' },
            time: new Date().toISOString(),
            messageId: line.id,
          },
          text: line.text,
          metadata: { ...line.metadata },
        },
        { prefetchConversationId: true },
      );
      sent += 1;
    }
  }),
);
process.stdout.write(`${JSON.stringify({ sent })}\n`);
