import { describe, expect, it } from 'vitest';
import { SystemClock } from '../../src/adapters/clock/system-clock.js';
import {
  ScriptedTransport,
  type ScriptedAnswer,
} from '../../src/adapters/memory/scripted-transport.js';
import {
  messagingTransportContract,
  type InjectedFault,
} from '../../src/testing/contracts/messaging-transport.contract.js';

const answers: Record<InjectedFault, ScriptedAnswer> = {
  badRequest: { kind: 'badRequest' },
  rateLimited: { kind: 'rateLimited', retryAfterMs: 1000 },
  serverError: { kind: 'serverError', status: 503 },
  serverErrorEmptyBody: { kind: 'serverError', status: 503, emptyBody: true },
  connectionReset: { kind: 'connectionReset' },
  unauthorized: { kind: 'unauthorized' },
};

messagingTransportContract(
  'ScriptedTransport',
  () => {
    const transport = new ScriptedTransport({ clock: new SystemClock() });
    return Promise.resolve({
      transport,
      failNext: (fault) => transport.answerNext(1, answers[fault]),
      accepted: () =>
        Promise.resolve(
          transport.delivered().map((r) => ({ commandId: r.commandId, kind: r.kind })),
        ),
      close: () => transport.close(),
    });
  },
  { describe, it, expect },
  // The twin answers a scripted 401 as it is; it numbers one conversation per guest.
  { expiredCredential: 'reportsAuthExpired', conversationIds: 'onePerGuest' },
);
