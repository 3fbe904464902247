import type { Command } from 'commander';
import type { CliIo } from '../cli-io.js';
import type { CliServices } from '../cli-services.js';
import type { CommandRegistrar } from '../run-cli.js';
import { registerAuditDigest } from './audit-digest.js';
import { registerAuditExport } from './audit-export.js';
import { registerAuditKeygen } from './audit-keygen.js';
import { registerAuditVerify } from './audit-verify.js';

/** `gtx audit verify | digest | keygen | export`: what the ledger proves, and to whom. */
export const registerAudit: CommandRegistrar = (
  program: Command,
  io: CliIo,
  services: CliServices,
) => {
  const audit = program
    .command('audit')
    .description('verify the ledger, take signed digests, export events (see docs/audit.md)');
  registerAuditVerify(audit, io, services);
  registerAuditDigest(audit, io, services);
  registerAuditKeygen(audit, io);
  registerAuditExport(audit, io, services);
};
