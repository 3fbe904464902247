export * from './commands.js';
export * from './violation.js';
export * from './errors.js';
export * from './time.js';
export * from './transmission/events.js';
export * from './transmission/retry-policy.js';
export * from './transmission/transmission.js';
