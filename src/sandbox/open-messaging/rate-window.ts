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
    const window = this.currentWindow(accessToken, now);
    window.count += 1;
    const resetSeconds = Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000));
    const exceeded = this.limitPerMinute !== null && window.count > this.limitPerMinute;
    return { count: window.count, allowed: this.limitPerMinute, resetSeconds, exceeded };
  }

  private currentWindow(accessToken: string, now: number): WindowState {
    const existing = this.windows.get(accessToken);
    if (existing !== undefined && now < existing.startedAt + WINDOW_MS) return existing;
    const fresh = { startedAt: now, count: 0 };
    this.windows.set(accessToken, fresh);
    return fresh;
  }
}

/** The `inin-ratelimit-*` headers; `allowed` is left out when there is no limit to announce. */
export function rateLimitHeaders(hit: RateWindowHit): Record<string, string> {
  const headers: Record<string, string> = {
    'inin-ratelimit-count': String(hit.count),
    'inin-ratelimit-reset': String(hit.resetSeconds),
  };
  if (hit.allowed !== null) headers['inin-ratelimit-allowed'] = String(hit.allowed);
  return headers;
}
