/**
 * What a sending command asks for and gets back: a started transmitter built from settings. The
 * CLI only declares it; the composition root (src/composition/runtime.ts) builds it.
 */
import { join } from 'node:path';
import type { RunningSandbox, SandboxOptions } from '../../sandbox/index.js';
import {
  loadEnvironmentSettings,
  type EnvironmentSettings,
  type SettingsRequirement,
} from '../config/environment-settings.js';
import type { Transmitter } from '../../application/transmitter.js';
import type { PolicySettings } from '../../domain/policies/index.js';
import type { CliIo } from './cli-io.js';

export const SANDBOX_CLIENT = {
  clientId: 'sandbox-client',
  clientSecret: 'sandbox-secret',
} as const;
export const SANDBOX_INTEGRATION_ID = 'sandbox-integration';
import type { LedgerLocation } from '../config/ledger-location.js';

export const SANDBOX_DEPLOYMENT_ID = 'sandbox-deployment';

export type TransportChoice = EnvironmentSettings['GTX_TRANSPORT'];

export interface RuntimeOptions {
  readonly sandbox: boolean;
  /** Overrides GTX_TRANSPORT (e.g. `gtx demo --transport web-messaging`). */
  readonly transport?: TransportChoice;
  readonly ledgerPath?: string;
  readonly sandboxOptions?: SandboxOptions;
  readonly policy?: PolicySettings;
  /**
   * False: record only, deliver nothing (`--no-wait`): the pipeline is not started, so this
   * run neither claims work nor leaves an attempt half-done; a running worker delivers it.
   */
  readonly startPipeline?: boolean;
}

export interface CliRuntime {
  readonly transmitter: Transmitter;
  readonly settings: EnvironmentSettings;
  readonly sandbox: RunningSandbox | null;
  /** The ledger as it may be shown: a file path, or a URL without its password. */
  readonly ledgerPath: string;
  readonly ledgerLocation: LedgerLocation;
  close(): Promise<void>;
}

/** The run's settings; `requirement` adds what this command needs, all reported at once. */
export function readSettings(io: CliIo, requirement?: SettingsRequirement): EnvironmentSettings {
  return loadEnvironmentSettings(io.env, join(io.cwd, '.env'), requirement);
}
