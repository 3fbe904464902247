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
  InMemoryEventLedger,
  type InMemoryEventLedgerOptions,
} from '../adapters/memory/in-memory-event-ledger.js';
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
export { eventLedgerContract, type LedgerFixture } from './contracts/event-ledger.contract.js';
export {
  messagingTransportContract,
  type InjectedFault,
  type TransportHarness,
} from './contracts/messaging-transport.contract.js';
