const WINDOW_MS = 60_000;

export interface RateWindowHit {
  /** Requests counted in the current window, this one included. */
  readonly count: number;
  /** null when the sandbox runs unlimited. */
  readonly allowed: number | null;
  /** Whole seconds until the window resets, at least 1. */
  readonly resetSeconds: number;
  readonly exceeded: boolean;
}

interface WindowState {
  startedAt: number;
  count: number;
}

/**
 * Per-token fixed 60 s windows, like Genesys' `client.credentials.token.rate.per.minute`
 * (contract §5). Every authenticated request counts, including those that end in 4xx or 429,
 * so a client that ignores Retry-After keeps itself locked out.
 */
export class RateWindows {
  private readonly windows = new Map<string, WindowState>();

  constructor(private readonly limitPerMinute: number | null) {}

  hit(accessToken: string, now: number): RateWindowHit {
    let window = this.liveWindow(accessToken, now);
    if (window === undefined) {
      window = { startedAt: now, count: 0 };
      this.windows.set(accessToken, window);
    }
    window.count += 1;
    const exceeded = this.limitPerMinute !== null && window.count > this.limitPerMinute;
    const resetSeconds = secondsUntilReset(window.startedAt, now);
    return { count: window.count, allowed: this.limitPerMinute, resetSeconds, exceeded };
  }

  /**
   * The window as it stands, without counting: what answers that do not count report (the token
   * endpoint, faults, refusals before the token was checked). No token, or no window yet, reads
   * as a window that would start now.
   */
  peek(accessToken: string | null, now: number): RateWindowHit {
    const window = accessToken === null ? undefined : this.liveWindow(accessToken, now);
    const startedAt = window?.startedAt ?? now;
    return {
      count: window?.count ?? 0,
      allowed: this.limitPerMinute,
      resetSeconds: secondsUntilReset(startedAt, now),
      exceeded: false,
    };
  }

  private liveWindow(accessToken: string, now: number): WindowState | undefined {
    const existing = this.windows.get(accessToken);
    return existing !== undefined && now < existing.startedAt + WINDOW_MS ? existing : undefined;
  }
}

function secondsUntilReset(startedAt: number, now: number): number {
  return Math.max(1, Math.ceil((startedAt + WINDOW_MS - now) / 1000));
}

/** Present on every answer of the API; see `rateLimitHeaders`. */
export const RATE_COUNT_HEADER = 'inin-ratelimit-count';

/** The `inin-ratelimit-*` headers; `allowed` is left out when there is no limit to announce. */
export function rateLimitHeaders(hit: RateWindowHit): Record<string, string> {
  const headers: Record<string, string> = {
    [RATE_COUNT_HEADER]: String(hit.count),
    'inin-ratelimit-reset': String(hit.resetSeconds),
  };
  if (hit.allowed !== null) headers['inin-ratelimit-allowed'] = String(hit.allowed);
  return headers;
}
