import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { GuestPacer } from '../../../../src/adapters/genesys/web-messaging/guest-pacer.js';
import { resolveWebMessagingOptions } from '../../../../src/adapters/genesys/web-messaging/web-messaging-options.js';
import { parseServerFrame } from '../../../../src/adapters/genesys/web-messaging/web-messaging-protocol.js';
import { checkLimits } from '../../../../src/adapters/genesys/web-messaging/session-limits.js';

describe('GuestPacer (virtual time)', () => {
  it('spaces sends by the gap and holds the guest during a 4029 pause', async () => {
    const clock = new VirtualClock();
    const start = clock.now();
    const pacer = new GuestPacer(550, clock);
    const times: number[] = [];
    const sends = [0, 1, 2].map(() => pacer.acquire().then(() => times.push(clock.now() - start)));
    await clock.runUntilSettled(Promise.all(sends));
    expect(times).toEqual([0, 550, 1100]);
    pacer.pauseUntil(clock.now() + 3000);
    const paused = pacer.acquire().then(() => clock.now() - start);
    expect(await clock.runUntilSettled(paused)).toBe(1100 + 3000);
  });

  it('gives up waiting when aborted', async () => {
    const clock = new VirtualClock();
    const pacer = new GuestPacer(550, clock);
    pacer.pauseUntil(clock.now() + 10_000);
    const controller = new AbortController();
    const waiting = pacer.acquire(controller.signal);
    controller.abort();
    await expect(waiting).rejects.toThrow('aborted');
  });
});

describe('Web Messaging options', () => {
  it('builds the real URL from the environment and the sandbox URL from an override', () => {
    expect(
      resolveWebMessagingOptions({ environment: 'mypurecloud.ie', deploymentId: 'd-1' }).socketUrl,
    ).toBe('wss://webmessaging.mypurecloud.ie/v1?deploymentId=d-1&application=genesys-transmitter');
    expect(
      resolveWebMessagingOptions({
        environment: 'x.com',
        deploymentId: 'd',
        url: 'ws://127.0.0.1:9/v1',
      }).socketUrl,
    ).toBe('ws://127.0.0.1:9/v1?deploymentId=d&application=genesys-transmitter');
    expect(
      resolveWebMessagingOptions({ environment: 'x.com', deploymentId: 'd', messagesPerSecond: 2 })
        .messageGapMs,
    ).toBe(550);
  });

  it.each([
    [{ deploymentId: ' ' }, 'deploymentId'],
    [{ url: 'http://127.0.0.1/v1' }, 'url'],
    [{ url: 'not a url' }, 'url'],
    [{ maxOpenSessions: 0 }, 'maxOpenSessions'],
  ])('refuses %j', (override, setting) => {
    expect(() =>
      resolveWebMessagingOptions({ environment: 'x.com', deploymentId: 'd', ...override }),
    ).toThrow(
      expect.objectContaining({ code: 'WEB_MESSAGING_CONFIG_INVALID', details: { setting } }),
    );
  });
});

describe('server frames', () => {
  it('reads the fixture frames of contract §4.3', () => {
    expect(
      parseServerFrame(
        '{"type":"response","class":"string","code":4011,"body":"message too long"}',
      ),
    ).toEqual({
      kind: 'error',
      tracingId: null,
      code: 4011,
      message: 'message too long',
    });
    expect(
      parseServerFrame(
        '{"type":"response","class":"TooManyRequestsErrorMessage","code":429,"body":{"retryAfter":3,"errorCode":4029,"errorMessage":"Message rate too high for this session"},"tracingId":"t"}',
      ),
    ).toMatchObject({ kind: 'tooManyRequests', tracingId: 't', retryAfterMs: 3000 });
    expect(
      parseServerFrame(
        '{"type":"response","class":"SessionResponse","code":200,"body":{"connected":true,"newSession":true,"maxCustomDataBytes":2048,"allowedMedia":{"inbound":{"fileTypes":[{"type":"image/png"}],"maxFileSizeKB":10240}},"blockedExtensions":[".exe","bat"]}}',
      ),
    ).toEqual({
      kind: 'session',
      tracingId: null,
      limits: {
        newSession: true,
        maxCustomDataBytes: 2048,
        allowedMedia: { fileTypes: ['image/png'], maxFileSizeKB: 10240 },
        blockedExtensions: ['.exe', '.bat'],
      },
    });
    expect(parseServerFrame('not json')).toBeNull();
    expect(parseServerFrame('{"class":"SessionExpiredEvent","code":200,"body":{}}')).toEqual({
      kind: 'sessionGone',
      reason: 'expired',
    });
  });

  it('refuses attachments when the session allows no inbound media', () => {
    const failure = checkLimits(
      {
        kind: 'message',
        guest: { id: 'g', idType: 'Opaque' },
        attachments: [{ url: 'file:///a.png', mime: 'image/png', filename: 'a.png', sizeBytes: 1 }],
        metadata: {},
      },
      { newSession: true, maxCustomDataBytes: null, allowedMedia: null, blockedExtensions: [] },
    );
    expect(failure).toMatchObject({
      kind: 'permanent',
      code: 'WEB_MESSAGING_ATTACHMENTS_NOT_ALLOWED',
    });
  });
});
