/** `gtx consume` and `gtx serve --consume`: the library's intake, logging like the rest of the CLI. */
import type { CliIo } from '../adapters/cli/cli-io.js';
import { readSettings } from '../adapters/cli/cli-runtime.js';
import type { CliIntake, ConsumeOptions, PreparedCliIntake } from '../adapters/cli/cli-services.js';
import { WinstonLogger } from '../adapters/logging/winston-logger.js';
import { prepareIntake } from './intake.js';

export function prepareCliIntake(io: CliIo, options: ConsumeOptions): PreparedCliIntake {
  const settings = readSettings(io);
  const prepared = prepareIntake({
    ...options,
    logger: WinstonLogger.create({ level: settings.GTX_LOG_LEVEL, stream: io.stderr }),
    settings: { drainTimeoutMs: settings.GTX_SHUTDOWN_TIMEOUT_MS },
  });
  return {
    description: prepared.description,
    start: async (transmitter): Promise<CliIntake> => {
      const intake = prepared.feeding(transmitter);
      await intake.start();
      return {
        description: intake.description,
        finished: intake.finished,
        stop: () => intake.stop(),
      };
    },
  };
}
