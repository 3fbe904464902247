import { ContainerModule } from 'inversify';
import { MESSAGING_TRANSPORT } from '../../../application/ports/index.js';
import { OPEN_MESSAGING_OPTIONS, type OpenMessagingOptions } from './open-messaging-options.js';
import { OpenMessagingTransport } from './open-messaging-transport.js';

/**
 * Binds MESSAGING_TRANSPORT to the SDK transport. A singleton: one SDK client and one token per
 * process, closed by the composition root (`container.get(MESSAGING_TRANSPORT).close()`).
 * CLOCK and LOGGER come from the other modules.
 */
export function openMessagingModule(options: OpenMessagingOptions): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(OPEN_MESSAGING_OPTIONS).toConstantValue(options);
    bind(OpenMessagingTransport).toSelf().inSingletonScope();
    bind(MESSAGING_TRANSPORT).toService(OpenMessagingTransport);
  });
}
