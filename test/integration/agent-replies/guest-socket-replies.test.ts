import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { InMemoryLogger } from '../../../src/adapters/memory/in-memory-logger.js';
import type { AgentMessageNotice } from '../../../src/application/agent-replies/agent-message-arrival.js';
import type { Transmitter } from '../../../src/application/transmitter.js';
import { buildTransmitter } from '../../../src/main.js';

const AGENT_TEXT = 'agent on the socket 4b2e';

/**
 * A Web Messaging server on loopback that speaks just enough of the guest protocol (contract
 * §4.2, §4.3): it opens sessions, echoes each guest message, and lets the test push frames.
 */
async function guestProtocolServer() {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) =>
    server.once('listening', () => {
      resolve();
    }),
  );
  const sockets: WebSocket[] = [];
  const frame = (cls: string, body: unknown, tracingId: string | null, type = 'response') =>
    JSON.stringify({
      type,
      class: cls,
      code: 200,
      body,
      ...(tracingId === null ? {} : { tracingId }),
    });
  server.on('connection', (socket) => {
    sockets.push(socket);
    socket.on('message', (data: Buffer) => {
      const request = JSON.parse(data.toString('utf8')) as {
        action: string;
        tracingId?: string;
        message?: { text?: string };
      };
      const tracingId = request.tracingId ?? null;
      if (request.action === 'configureSession') {
        socket.send(
          frame(
            'SessionResponse',
            { connected: true, newSession: true, readOnly: false },
            tracingId,
          ),
        );
      } else if (request.action === 'onMessage') {
        socket.send(
          frame(
            'StructuredMessage',
            {
              id: `echo-${String(tracingId)}`,
              type: 'Text',
              text: request.message?.text,
              direction: 'Inbound',
            },
            tracingId,
            'message',
          ),
        );
      }
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/v1`,
    /** An agent's reply pushed to every guest socket, as Genesys does. */
    pushAgentReply(id: string, body: Record<string, unknown>): void {
      for (const socket of sockets) {
        if (socket.readyState === WebSocket.OPEN) {
          socket.send(
            frame('StructuredMessage', { id, direction: 'Outbound', ...body }, null, 'message'),
          );
        }
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => {
          resolve();
        });
      }),
  };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(): Promise<{
  transmitter: Transmitter;
  server: Awaited<ReturnType<typeof guestProtocolServer>>;
  logger: InMemoryLogger;
}> {
  const server = await guestProtocolServer();
  cleanups.push(() => server.close());
  const dir = mkdtempSync(join(tmpdir(), 'gtx-agent-ws-'));
  cleanups.push(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const logger = new InMemoryLogger();
  const transmitter = buildTransmitter({
    ledger: { path: join(dir, 'ledger.db') },
    webMessaging: {
      environment: 'mypurecloud.com',
      url: server.url,
      deploymentId: 'deployment-test',
      answerTimeoutMs: 5000,
    },
    adapters: { logger },
  });
  await transmitter.ready();
  transmitter.start();
  cleanups.push(() => transmitter.close());
  return { transmitter, server, logger };
}

function nextNotice(transmitter: Transmitter): Promise<AgentMessageNotice> {
  return new Promise((resolve) => {
    const stop = transmitter.onAgentMessage((notice) => {
      stop();
      resolve(notice);
    });
  });
}

describe('agent replies on a Web Messaging guest socket', () => {
  it('are recorded in the guest conversation, sealed, with no receipt, and the application hears them', async () => {
    const { transmitter, server, logger } = await setUp();
    const sent = await transmitter.submit({
      id: 'wm-guest-1',
      guest: { id: 'wm-guest' },
      conversation: 'wm-conv',
      text: 'hello from the guest',
    });
    expect(sent.status).toBe('delivered');
    const heard = nextNotice(transmitter);
    server.pushAgentReply('wm-agent-1', {
      type: 'Text',
      text: AGENT_TEXT,
      originatingEntity: 'Bot',
      channel: { time: '2026-12-02T09:00:00.000Z' },
    });
    const notice = await heard;
    expect(notice).toMatchObject({
      type: 'AgentMessageReceived',
      channel: 'web-messaging',
      guestId: 'wm-guest',
      conversationRef: 'wm-conv',
      originatingEntity: 'Bot',
      duplicate: false,
      receiptCommandId: null,
      body: { type: 'Text', text: AGENT_TEXT },
    });
    const events = await transmitter.conversationEvents('wm-conv');
    expect(events.map((e) => e.type)).toEqual([
      'TransmissionRequested',
      'TransmissionAttemptStarted',
      'TransmissionDelivered',
      'AgentMessageReceived',
    ]);
    expect(JSON.stringify(events)).not.toContain(AGENT_TEXT);
    expect(JSON.stringify(logger.records)).not.toContain(AGENT_TEXT);
  });

  it('seen twice are recorded once', async () => {
    const { transmitter, server } = await setUp();
    await transmitter.submit({ id: 'wm-guest-2', guest: { id: 'wm-guest-2' }, text: 'hi' });
    const notices: AgentMessageNotice[] = [];
    const both = new Promise<void>((resolve) => {
      transmitter.onAgentMessage((notice) => {
        notices.push(notice);
        if (notices.length === 2) resolve();
      });
    });
    server.pushAgentReply('wm-agent-2', { type: 'Text', text: 'once' });
    server.pushAgentReply('wm-agent-2', { type: 'Text', text: 'once' });
    await both;
    expect(notices.map((n) => n.duplicate).sort()).toEqual([false, true]);
    const events = await transmitter.conversationEvents('wm-guest-2');
    expect(events.filter((e) => e.type === 'AgentMessageReceived')).toHaveLength(1);
  });
});
