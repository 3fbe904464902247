/**
 * The same agent-reply setting on the Web Messaging guest API: after the echo of the guest's
 * message, the agent's reply arrives on the guest's socket as a StructuredMessage with
 * `direction: 'Outbound'` (contract §4.3, §9), and follows the session to a new socket.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import type { RunningSandbox, SandboxOptions } from '../../../src/sandbox/index.js';
import { sandboxWith } from '../../support/sandbox-harness.js';

interface ServerFrame {
  readonly type: string;
  readonly class: string;
  readonly code: number;
  readonly body: Record<string, unknown>;
  readonly tracingId?: string;
}

/** A guest socket that keeps every frame it got, and waits for the one a test needs. */
class GuestSocket {
  readonly frames: ServerFrame[] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      this.frames.push(JSON.parse(data.toString('utf8')) as ServerFrame);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async open(sandbox: RunningSandbox): Promise<GuestSocket> {
    const socket = new WebSocket(`${sandbox.webMessaging.url}?deploymentId=deployment-1`);
    onTestFinished(() => {
      socket.terminate();
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => {
        resolve();
      });
      socket.once('error', reject);
    });
    return new GuestSocket(socket);
  }

  send(frame: object): void {
    this.socket.send(JSON.stringify(frame));
  }

  /** The first frame from `from` on that matches, waiting for it (the test's timeout bounds it). */
  async next(
    matches: (frame: ServerFrame) => boolean,
    from = 0,
  ): Promise<{ frame: ServerFrame; index: number }> {
    for (;;) {
      const index = this.frames.findIndex((frame, at) => at >= from && matches(frame));
      const frame = this.frames[index];
      if (frame !== undefined) return { frame, index };
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  close(): void {
    this.socket.close();
  }
}

const TOKEN = 'guest-session-token-0123456789abcdef';
const isClass = (name: string) => (frame: ServerFrame) => frame.class === name;
const isAgentMessage = (frame: ServerFrame) =>
  frame.class === 'StructuredMessage' && frame.body['direction'] === 'Outbound';

async function configured(sandbox: RunningSandbox): Promise<GuestSocket> {
  const guest = await GuestSocket.open(sandbox);
  guest.send({ action: 'configureSession', token: TOKEN, deploymentId: 'deployment-1' });
  await guest.next(isClass('SessionResponse'));
  return guest;
}

function sendText(guest: GuestSocket, text: string, tracingId: string): void {
  guest.send({ action: 'onMessage', token: TOKEN, tracingId, message: { type: 'Text', text } });
}

function served(options: SandboxOptions): Promise<RunningSandbox> {
  return sandboxWith(options);
}

describe('agent replies on the Web Messaging socket', () => {
  it('pushes the reply as an Outbound StructuredMessage after the echo', async () => {
    const attachment = {
      mediaType: 'File' as const,
      url: 'https://files.example/terms.pdf',
      mime: 'application/pdf',
      filename: 'terms.pdf',
    };
    const sandbox = await served({
      agentReplies: { delayMs: 0, text: '{characters} characters received', attachment },
    });
    const guest = await configured(sandbox);

    sendText(guest, 'my password is hunter2', 'trace-1');
    const echo = await guest.next((frame) => frame.tracingId === 'trace-1');
    const reply = await guest.next(isAgentMessage);

    expect(echo.frame.body['direction']).toBe('Inbound');
    expect(reply.index).toBeGreaterThan(echo.index);
    expect(reply.frame).toEqual({
      type: 'message',
      class: 'StructuredMessage',
      code: 200,
      body: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
        type: 'Text',
        text: '22 characters received',
        direction: 'Outbound',
        channel: {
          time: expect.any(String) as unknown,
          messageId: reply.frame.body['id'],
          type: 'Private',
          from: { nickname: 'Sandbox Agent' },
        },
        content: [
          {
            contentType: 'Attachment',
            attachment: { id: expect.any(String) as unknown, ...attachment },
          },
        ],
        originatingEntity: 'Human',
      },
    });
    const [received] = sandbox.webMessaging.received();
    expect(sandbox.agentMessages()).toEqual([
      expect.objectContaining({
        id: reply.frame.body['id'],
        protocol: 'webMessaging',
        integrationId: null,
        guestId: received?.sessionId,
        inReplyTo: received?.genesysMessageId,
        text: '22 characters received',
      }),
    ]);
    expect(sandbox.outboundDeliveries()).toEqual([]);
  });

  it('does not answer typing events, and answers nothing without the setting', async () => {
    const sandbox = await served({ agentReplies: { delayMs: 0, originatingEntity: 'Bot' } });
    const guest = await configured(sandbox);

    guest.send({
      action: 'onMessage',
      token: TOKEN,
      tracingId: 'typing',
      message: { type: 'Event', events: [{ eventType: 'Typing', typing: { type: 'On' } }] },
    });
    await guest.next((frame) => frame.tracingId === 'typing');
    sendText(guest, 'hello', 'text');
    const reply = await guest.next(isAgentMessage);
    await sandbox.outboundSettled();

    expect(reply.frame.body['originatingEntity']).toBe('Bot');
    expect(guest.frames.filter(isAgentMessage)).toHaveLength(1);

    sandbox.setAgentReplies(null);
    sendText(guest, 'anyone?', 'unanswered');
    await guest.next((frame) => frame.tracingId === 'unanswered');
    await sandbox.outboundSettled();
    expect(guest.frames.filter(isAgentMessage)).toHaveLength(1);
    expect(sandbox.agentMessages()).toHaveLength(1);
  });

  it('follows the session to the socket it is on when the agent answers', async () => {
    const sandbox = await served({ agentReplies: { delayMs: 1000 } });
    const first = await configured(sandbox);

    sendText(first, 'hello', 'before-move');
    await first.next((frame) => frame.tracingId === 'before-move');
    const second = await configured(sandbox);
    first.close();
    const reply = await second.next(isAgentMessage);

    expect(reply.frame.body['direction']).toBe('Outbound');
    expect(first.frames.filter(isAgentMessage)).toEqual([]);
  });
});
