/**
 * genesys-transmitter/testing: the twins, the virtual clock, the sandbox and the contract
 * suites, for teams that embed the library and test their own code around it. Nothing here
 * imports a test runner.
 */
export {
  createTestTransmitter,
  type GenesysTestTransmitterOptions,
  type TestTransmitter,
  type TestTransmitterBaseOptions,
  type TestTransmitterOptions,
} from './test-transmitter.js';
export { startTestSandbox, type TestSandbox, type TestSandboxOptions } from './test-sandbox.js';

export { VirtualClock, VirtualTimeExhaustedError } from '../adapters/clock/virtual-clock.js';
export { SystemClock } from '../adapters/clock/system-clock.js';
export { SeededRandom } from '../adapters/ids/random.js';
export { SequentialIdGenerator } from '../adapters/ids/uuid-id-generator.js';
export {
  InMemoryEventStore,
  type InMemoryEventStoreOptions,
} from '../adapters/memory/in-memory-event-store.js';
export {
  InMemoryWorkQueue,
  createInMemoryLedger,
  type InMemoryLedger,
} from '../adapters/memory/in-memory-work-queue.js';
export { InMemoryLeaderLock } from '../adapters/memory/in-memory-leader-lock.js';
export { InMemoryIntegrationDirectory } from '../adapters/memory/in-memory-integration-directory.js';
export { FixedWorkerIdentity } from '../adapters/worker/process-worker-identity.js';
export { InMemoryLogger, type LogRecord } from '../adapters/memory/in-memory-logger.js';
export {
  ScriptedTransport,
  type ScriptedAnswer,
  type ScriptedCall,
  type ScriptedTransportOptions,
} from '../adapters/memory/scripted-transport.js';
export {
  startSandbox,
  type ReceivedRequest,
  type RunningSandbox,
  type SandboxOptions,
  type ScriptStep,
  type ScriptedAnswer as SandboxScriptedAnswer,
} from '../sandbox/index.js';

export {
  assertionsFor,
  nodeTestApi,
  type ContractMatchers,
  type ContractTestApi,
  type NodeTestRunner,
} from './contracts/contract-test-api.js';
export { eventStoreContract, type EventStoreFixture } from './contracts/event-store.contract.js';
export { workQueueContract, type WorkQueueFixture } from './contracts/work-queue.contract.js';
export { leaderLockContract, type LeaderLockFixture } from './contracts/leader-lock.contract.js';
export {
  integrationDirectoryContract,
  type IntegrationDirectoryFixture,
} from './contracts/integration-directory.contract.js';
export {
  guestKeyStoreContract,
  type GuestKeyStoreFixture,
} from './contracts/guest-key-store.contract.js';
export {
  feedCheckpointStoreContract,
  type FeedCheckpointStoreFixture,
} from './contracts/feed-checkpoint-store.contract.js';
export {
  guestSessionStoreContract,
  type GuestSessionStoreFixture,
} from './contracts/guest-session-store.contract.js';
export {
  messagingTransportContract,
  type InjectedFault,
  type TransportHarness,
  type TransportTraits,
} from './contracts/messaging-transport.contract.js';
export {
  commandSourceContract,
  type CommandSourceHarness,
} from './contracts/command-source.contract.js';
export {
  outcomePublisherContract,
  type OutcomePublisherHarness,
  type ReceivedNotice,
} from './contracts/outcome-publisher.contract.js';
export {
  InMemoryBrokerQueue,
  InMemoryCommandSource,
  type InMemoryBrokerQueueOptions,
  type RecordedAnswer,
} from '../adapters/memory/in-memory-command-source.js';
export { InMemoryOutcomePublisher } from '../adapters/memory/in-memory-outcome-publisher.js';
