/** One readiness condition: resolves with null when it holds, or with the reason it does not. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<string | null>;
}

export interface ReadinessReport {
  readonly ready: boolean;
  /** Check name -> 'ok' or the reason it failed. */
  readonly checks: Readonly<Record<string, string>>;
}

/** Runs every check at once, each bounded by a timeout, so /readyz answers promptly. */
export class Readiness {
  constructor(
    private readonly checks: readonly ReadinessCheck[],
    private readonly timeoutMs = 3000,
  ) {}

  async report(): Promise<ReadinessReport> {
    const results = await Promise.all(
      this.checks.map(async (check) => [check.name, await this.run(check)] as const),
    );
    const checks: Record<string, string> = {};
    for (const [name, reason] of results) checks[name] = reason ?? 'ok';
    return { ready: results.every(([, reason]) => reason === null), checks };
  }

  private async run(check: ReadinessCheck): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<string>((resolve) => {
      timer = setTimeout(() => {
        resolve(`no answer within ${this.timeoutMs} ms`);
      }, this.timeoutMs);
    });
    try {
      return await Promise.race([check.check(), timedOut]);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      clearTimeout(timer);
    }
  }
}
