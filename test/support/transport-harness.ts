import type { OpenMessagingOptions } from '../../src/adapters/genesys/open-messaging/index.js';
import type { MessagingTransport, TransportRequest } from '../../src/application/ports/index.js';

/** Open Messaging options for the sandbox's default client at `apiUrl` (the sandbox or a proxy). */
export function sandboxGenesys(apiUrl: string, integrationId: string): OpenMessagingOptions {
  return {
    environment: 'mypurecloud.com',
    apiUrl,
    clientId: 'sandbox-client',
    clientSecret: 'sandbox-secret',
    integrationId,
  };
}

export interface RecordedTransport {
  /** Every request the suite sent, as the suite sent it, in order. */
  readonly sent: readonly TransportRequest[];
  readonly transport: MessagingTransport;
  /** Closes the transport, then the far side. */
  close(): Promise<void>;
}

/**
 * The transport as a contract harness hands it to the suite: each request is remembered before
 * `toWire` adapts it for the far side, so the harness can pair what the far side accepted with
 * what was sent.
 */
export function recordSends(
  transport: MessagingTransport,
  farSide: { close(): Promise<void> },
  toWire: (request: TransportRequest) => TransportRequest = (request) => request,
): RecordedTransport {
  const sent: TransportRequest[] = [];
  return {
    sent,
    transport: {
      send: (request, signal) => {
        sent.push(request);
        return transport.send(toWire(request), signal);
      },
      close: () => transport.close(),
    },
    close: async () => {
      await transport.close();
      await farSide.close();
    },
  };
}
