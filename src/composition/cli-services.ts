/**
 * The CLI's services (src/adapters/cli/cli-services.ts), built from settings here: what each
 * command opens or starts, so no command wires an adapter itself.
 */
import { holdTracing } from '../adapters/telemetry/otel-sdk.js';
import { readSettings } from '../adapters/cli/cli-runtime.js';
import type { CliIntake, CliService, CliServices } from '../adapters/cli/cli-services.js';
import { SystemClock } from '../adapters/clock/system-clock.js';
import type { FeedProbe } from '../adapters/http/http-service.js';
import { CryptoRandom } from '../adapters/ids/random.js';
import { WinstonLogger } from '../adapters/logging/winston-logger.js';
import { SdkIntegrationDirectory } from '../adapters/genesys/open-messaging/sdk-integration-directory.js';
import { startBackgroundFeed } from './background-feed.js';
import { inspectLedger } from './ledger-inspection.js';
import { genesysOptions } from './transport-options.js';
import { prepareCliIntake } from './cli-intake.js';
import {
  openCheckpointStore,
  openGuestKeyStore,
  openGuestSessionEraser,
  openLedgerFile,
  openSettingsSink,
} from './ledger-files.js';
import { startDemoAgentWebhook } from './demo-agent-webhook.js';
import { openGuestLookup } from './guest-lookup.js';
import { copyLedgerBetween } from './ledger-copy.js';
import { rotateLedgerMasterKey } from './master-key-rotation.js';
import { openPersonalDataViewer } from './personal-data-viewer.js';
import { openRuntime } from './runtime.js';
import { startService } from './service.js';

/** Lets the service start before the feed exists: no lag and no fault until one is attached. */
class LateFeedProbe implements FeedProbe {
  private probe: FeedProbe | null = null;

  attach(probe: FeedProbe | null): void {
    this.probe = probe;
  }

  lag(): Promise<number | null> {
    return this.probe?.lag() ?? Promise.resolve(null);
  }

  disabledReason(): string | null {
    return this.probe?.disabledReason() ?? null;
  }

  leading(): boolean {
    return this.probe?.leading() ?? false;
  }
}

const NO_TRACING = { release: () => Promise.resolve() };

/** The services of one CLI run (or of a test's in-process runs). */
export function createCliServices(): CliServices {
  const clock = new SystemClock();
  const services: CliServices = {
    clock,
    random: new CryptoRandom(),
    logger: (io) =>
      WinstonLogger.create({ level: readSettings(io).GTX_LOG_LEVEL, stream: io.stderr }),
    openRuntime,
    openLedger: (path, options) => openLedgerFile(path, clock, options),
    openCheckpoints: (ledgerPath) => openCheckpointStore(ledgerPath, clock),
    openSink: (io, to) => openSettingsSink(io, to, clock),
    holdTracing: (io) => holdTracing(io.env, services.logger(io)) ?? NO_TRACING,
    openGuestKeys: openGuestKeyStore,
    openGuestSessionEraser,
    rotateMasterKey: rotateLedgerMasterKey,
    openPersonalDataViewer,
    openGuestLookup,
    startAgentWebhook: startDemoAgentWebhook,
    copyLedger: (command) => copyLedgerBetween(command, clock),
    inspectLedger,
    openIntegrationDirectory: (io, settings) =>
      new SdkIntegrationDirectory(
        genesysOptions(settings, null),
        clock,
        WinstonLogger.create({ level: settings.GTX_LOG_LEVEL, stream: io.stderr }),
      ),
    startService: async (io, options): Promise<CliService> => {
      const feed = new LateFeedProbe();
      const service = await startService(io, { ...options, feed });
      // The feed opens the ledger the service has just created.
      // Checked before the feed starts, so bad options stop nothing half-way.
      const prepared = options.consume === undefined ? null : prepareCliIntake(io, options.consume);
      const background = await startBackgroundFeed(services, io, options.ledgerPath);
      feed.attach(background?.probe ?? null);
      let intake: CliIntake | null = null;
      try {
        intake = prepared === null ? null : await prepared.start(service.runtime.transmitter);
      } catch (error) {
        await background?.stop();
        await service.close();
        throw error;
      }
      return {
        url: service.url,
        feedRunning: background !== null,
        intake,
        close: async () => {
          await intake?.stop();
          await service.close();
        },
        stopFeed: async () => {
          await background?.stop();
        },
      };
    },
    prepareIntake: prepareCliIntake,
  };
  return services;
}
