import type { SandboxFaultRates, ScriptedStep } from './fault-rates.js';
import { mulberry32 } from './prng.js';

export const DEFAULT_SLOW_MS = 250;

/** What to do with one counted request (or frame) before the normal pipeline runs. */
export type FaultDecision<Answer> =
  | { readonly kind: 'none' }
  | { readonly kind: 'scripted'; readonly answer: Answer }
  | { readonly kind: 'serverError' }
  | { readonly kind: 'serverErrorEmptyBody'; readonly status: 502 | 503 }
  | { readonly kind: 'rateLimited' }
  | { readonly kind: 'connectionReset' }
  | { readonly kind: 'slow'; readonly ms: number };

/**
 * Decides the fault for each counted request: a scripted answer first, else the seeded rates.
 * Exactly two numbers are drawn per request whatever the rates or script, so the nth request's
 * draw depends only on the seed and n, and a run can be replayed. Generic over the answer type:
 * the Open Messaging side scripts HTTP answers, the Web Messaging side scripts frames.
 */
export class FaultPlan<Answer> {
  private readonly random: () => number;
  private rates: SandboxFaultRates;
  private requestsSinceScript = 0;
  private numbered = new Map<number, Answer>();
  private unnumbered: Answer[] = [];

  constructor(seed: number, rates: SandboxFaultRates) {
    this.random = mulberry32(seed);
    this.rates = rates;
  }

  setRates(rates: SandboxFaultRates): void {
    this.rates = rates;
  }

  currentRates(): SandboxFaultRates {
    return this.rates;
  }

  setScript(steps: readonly ScriptedStep<Answer>[]): void {
    this.requestsSinceScript = 0;
    this.numbered = new Map();
    this.unnumbered = [];
    for (const step of steps) {
      if (step.nth === undefined) this.unnumbered.push(step.answer);
      else this.numbered.set(step.nth, step.answer);
    }
  }

  next(): FaultDecision<Answer> {
    const exclusiveDraw = this.random();
    const slowDraw = this.random();
    const scripted = this.nextScripted();
    if (scripted !== undefined) return { kind: 'scripted', answer: scripted };
    return this.drawn(exclusiveDraw, slowDraw);
  }

  private nextScripted(): Answer | undefined {
    this.requestsSinceScript += 1;
    const numbered = this.numbered.get(this.requestsSinceScript);
    if (numbered !== undefined) {
      this.numbered.delete(this.requestsSinceScript);
      return numbered;
    }
    return this.unnumbered.shift();
  }

  /** The exclusive faults share one draw as consecutive slices of [0, 1). */
  private drawn(exclusiveDraw: number, slowDraw: number): FaultDecision<Answer> {
    const { connectionReset = 0, serverError = 0, serverErrorEmptyBody = 0 } = this.rates;
    const { rateLimited = 0, slow = 0, slowMs = DEFAULT_SLOW_MS } = this.rates;
    let upper = connectionReset;
    if (exclusiveDraw < upper) return { kind: 'connectionReset' };
    upper += serverError;
    if (exclusiveDraw < upper) return { kind: 'serverError' };
    const emptyLower = upper;
    upper += serverErrorEmptyBody;
    if (exclusiveDraw < upper) {
      // The lower half of its slice is a 502, the upper half a 503: both occur, reproducibly.
      const status = exclusiveDraw < emptyLower + serverErrorEmptyBody / 2 ? 502 : 503;
      return { kind: 'serverErrorEmptyBody', status };
    }
    upper += rateLimited;
    if (exclusiveDraw < upper) return { kind: 'rateLimited' };
    if (slowDraw < slow) return { kind: 'slow', ms: slowMs };
    return { kind: 'none' };
  }
}
