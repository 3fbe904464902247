import { Container } from 'inversify';
import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../../../src/adapters/clock/system-clock.js';
import {
  OPEN_MESSAGING_OPTIONS,
  OpenMessagingTransport,
  openMessagingModule,
} from '../../../../src/adapters/genesys/open-messaging/index.js';
import { InMemoryLogger } from '../../../../src/adapters/memory/in-memory-logger.js';
import { CLOCK, LOGGER, MESSAGING_TRANSPORT } from '../../../../src/application/ports/index.js';

describe('openMessagingModule', () => {
  it('binds MESSAGING_TRANSPORT to one OpenMessagingTransport built from the options token', async () => {
    const container = new Container();
    container.bind(CLOCK).toConstantValue(new SystemClock());
    container.bind(LOGGER).toConstantValue(new InMemoryLogger());
    const options = {
      environment: 'mypurecloud.ie',
      clientId: 'id',
      clientSecret: 'secret',
      integrationId: 'integration-1',
    };
    container.load(openMessagingModule(options));

    const transport = container.get(MESSAGING_TRANSPORT);
    expect(transport).toBeInstanceOf(OpenMessagingTransport);
    expect(container.get(MESSAGING_TRANSPORT)).toBe(transport);
    expect(container.get(OPEN_MESSAGING_OPTIONS)).toBe(options);
    await transport.close();
  });
});
