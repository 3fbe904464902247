import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyCommandInput } from '../../application/transmitter.js';

export interface DemoAttachments {
  readonly commands: AnyCommandInput[];
  close(): Promise<void>;
}

function demoBytes(path: string, size: number): Buffer {
  const seed = createHash('sha256').update(path).digest();
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) bytes[i] = seed[i % seed.length] ?? 0;
  return bytes;
}

/**
 * Web Messaging uploads attachment bytes itself, so the demo's example URLs must really serve
 * something: a loopback server gives each one bytes of the declared size, and the commands are
 * rewritten to point there with the matching SHA-256.
 */
export async function serveDemoAttachments(
  input: readonly AnyCommandInput[],
): Promise<DemoAttachments> {
  const files = new Map<string, { bytes: Buffer; mime: string }>();
  const server = createServer((request, response) => {
    const file = files.get(request.url ?? '');
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': file.mime, 'Content-Length': file.bytes.length });
    response.end(file.bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const commands = input.map((command): AnyCommandInput => {
    if (command.kind !== undefined && command.kind !== 'message') return command;
    if (!('attachments' in command)) return command;
    const attachments = command.attachments.map((attachment) => {
      const path = new URL(attachment.url).pathname;
      const bytes = demoBytes(path, attachment.sizeBytes);
      files.set(path, { bytes, mime: attachment.mime });
      return {
        ...attachment,
        url: `${base}${path}`,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
    });
    return { ...command, attachments };
  });
  return {
    commands,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}
