import { GenesysNotFoundError, GenesysReadFailedError } from '../../application/errors.js';
import type {
  Clock,
  DirectoryAnswer,
  IntegrationDirectory,
  OpenIntegrationSummary,
  SupportedContentProfile,
} from '../../application/ports/index.js';
import { GtxError } from '../../domain/index.js';

/**
 * The IntegrationDirectory twin: integrations and profiles held in memory, changed by the test,
 * and a switch that makes every read fail (as an unreachable Genesys would). It passes the same
 * contract suite as the SDK adapter.
 */
export class InMemoryIntegrationDirectory implements IntegrationDirectory {
  private readonly integrations = new Map<string, OpenIntegrationSummary>();
  private readonly profiles = new Map<string, SupportedContentProfile>();
  private unreachable = false;

  constructor(
    private readonly clock: Clock,
    private readonly credentialsAccepted = true,
  ) {}

  putIntegration(integration: OpenIntegrationSummary): void {
    this.integrations.set(integration.id, integration);
  }

  putProfile(profile: SupportedContentProfile): void {
    this.profiles.set(profile.id, profile);
  }

  /** While true, every read rejects with GENESYS_READ_FAILED. */
  setUnreachable(unreachable: boolean): void {
    this.unreachable = unreachable;
  }

  verifyCredentials(): Promise<void> {
    return this.guard().then(() => undefined);
  }

  async integration(integrationId: string): Promise<DirectoryAnswer<OpenIntegrationSummary>> {
    await this.guard();
    return this.answer('Open Messaging integration', integrationId, this.integrations);
  }

  async supportedContent(id: string): Promise<DirectoryAnswer<SupportedContentProfile>> {
    await this.guard();
    return this.answer('Supported Content profile', id, this.profiles);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private guard(): Promise<void> {
    if (!this.credentialsAccepted) {
      return Promise.reject(
        new GtxError('GENESYS_AUTH_FAILED', 'the in-memory directory refuses these credentials'),
      );
    }
    if (this.unreachable) {
      return Promise.reject(
        new GenesysReadFailedError('the directory', 'in memory', 'it is unreachable', null),
      );
    }
    return Promise.resolve();
  }

  private answer<T>(what: string, id: string, from: ReadonlyMap<string, T>): DirectoryAnswer<T> {
    const value = from.get(id);
    const now = this.clock.now();
    if (value === undefined) throw new GenesysNotFoundError(what, id, now);
    return { value, serverTimeMs: now, receivedAtMs: now };
  }
}
