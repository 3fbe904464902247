/** `gtx consume` and `gtx serve --consume`: the library's intake, logging like the rest of the CLI. */
import type { CliIo } from '../adapters/cli/cli-io.js';
import { readSettings } from '../adapters/cli/cli-runtime.js';
import type { CliIntake, ConsumeOptions } from '../adapters/cli/cli-services.js';
import { WinstonLogger } from '../adapters/logging/winston-logger.js';
import type { Transmitter } from '../application/transmitter.js';
import { createIntake } from './intake.js';

export async function startCliIntake(
  io: CliIo,
  transmitter: Transmitter,
  options: ConsumeOptions,
): Promise<CliIntake> {
  const settings = readSettings(io);
  const intake = createIntake(transmitter, {
    ...options,
    logger: WinstonLogger.create({ level: settings.GTX_LOG_LEVEL, stream: io.stderr }),
    settings: { drainTimeoutMs: settings.GTX_SHUTDOWN_TIMEOUT_MS },
  });
  await intake.start();
  return {
    description: intake.description,
    finished: intake.finished,
    stop: () => intake.stop(),
  };
}
