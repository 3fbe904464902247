export * from './clock.port.js';
export * from './event-ledger.port.js';
export * from './id-generator.port.js';
export * from './logger.port.js';
export * from './messaging-transport.port.js';
export * from './random.port.js';
export * from './guest-key-store.port.js';
export * from './personal-data-vault.port.js';
