import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { InMemoryLogger } from '../../../../src/adapters/memory/in-memory-logger.js';
import {
  TokenManager,
  refreshDeadline,
  type IssuedToken,
} from '../../../../src/adapters/genesys/open-messaging/token-manager.js';

/** A login whose answers the test releases by hand, to hold calls in flight. */
class ControlledLogin {
  calls = 0;
  private waiting: { resolve: (token: IssuedToken) => void; reject: (error: Error) => void }[] = [];

  readonly login = (): Promise<IssuedToken> => {
    this.calls += 1;
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  };

  answer(expiresInMs: number): void {
    for (const waiter of this.waiting.splice(0)) waiter.resolve({ expiresInMs });
  }

  fail(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}

function setup(marginMs = 60_000) {
  const clock = new VirtualClock();
  const login = new ControlledLogin();
  const logger = new InMemoryLogger();
  const tokens = new TokenManager(login.login, clock, marginMs, logger);
  return { clock, login, logger, tokens };
}

const HOUR = 3_600_000;

describe('TokenManager', () => {
  it('logs in once for concurrent callers and reuses the token', async () => {
    const { login, tokens } = setup();
    const waiting = Promise.all([tokens.fresh(), tokens.fresh(), tokens.fresh()]);
    login.answer(HOUR);
    expect(await waiting).toEqual([1, 1, 1]);
    expect(await tokens.fresh()).toBe(1);
    expect(login.calls).toBe(1);
  });

  it('logs in again only once the token is within the margin of its expiry', async () => {
    const { clock, login, tokens } = setup(60_000);
    const first = tokens.fresh();
    login.answer(HOUR);
    await first;
    await clock.advanceBy(HOUR - 60_001);
    expect(await tokens.fresh()).toBe(1);
    await clock.advanceBy(1);
    const renewed = tokens.fresh();
    login.answer(HOUR);
    expect(await renewed).toBe(2);
    expect(login.calls).toBe(2);
  });

  it('after a 401, many rejected calls share exactly one login', async () => {
    const { login, tokens } = setup();
    const first = tokens.fresh();
    login.answer(HOUR);
    const stale = await first;
    const renewals = Promise.all(
      Array.from({ length: 10 }, () => tokens.renewAfterRejection(stale)),
    );
    login.answer(HOUR);
    expect(await renewals).toEqual(Array.from({ length: 10 }, () => 2));
    expect(login.calls).toBe(2);
    // A late 401 for the replaced token does not log in again.
    expect(await tokens.renewAfterRejection(stale)).toBe(2);
    expect(login.calls).toBe(2);
  });

  it('rejects every waiter of a failed login and tries again on the next call', async () => {
    const { login, tokens } = setup();
    const waiting = [tokens.fresh(), tokens.fresh()];
    login.fail(new Error('refused'));
    for (const result of await Promise.allSettled(waiting)) {
      expect(result).toMatchObject({ status: 'rejected', reason: { message: 'refused' } });
    }
    const retry = tokens.fresh();
    login.answer(HOUR);
    expect(await retry).toBe(1);
    expect(tokens.logins).toBe(2);
  });

  it('logs the token lifetime, never the token', async () => {
    const { login, logger, tokens } = setup();
    const first = tokens.fresh();
    login.answer(HOUR);
    await first;
    expect(logger.records).toEqual([
      {
        level: 'info',
        message: 'obtained a Genesys access token',
        fields: { generation: 1, reason: 'first', expiresInMs: HOUR },
      },
    ]);
  });
});

describe('refreshDeadline', () => {
  it('renews the margin before expiry', () => {
    expect(refreshDeadline(1000, HOUR, 60_000)).toBe(1000 + HOUR - 60_000);
  });

  it('caps the margin at half of a short lifetime', () => {
    expect(refreshDeadline(0, 2000, 60_000)).toBe(1000);
  });

  it('leaves an unknown lifetime to the 401', () => {
    expect(refreshDeadline(0, Number.NaN, 60_000)).toBe(Number.POSITIVE_INFINITY);
  });
});
