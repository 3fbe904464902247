import { ContainerModule } from 'inversify';
import { EVENT_LEDGER } from '../../application/ports/event-ledger.port.js';
import { SqliteEventLedger } from './sqlite-event-ledger.js';
import { SQLITE_LEDGER_OPTIONS, type SqliteLedgerSettings } from './sqlite-ledger-options.js';

/**
 * Binds `EVENT_LEDGER` to one SQLite ledger per container (it owns the file handle and the
 * group-commit queue). `CLOCK` must be bound by another module. Unbinding (`unbindAsync`: closing is asynchronous) closes the file.
 */
export function sqliteLedgerModule(settings: SqliteLedgerSettings): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(SQLITE_LEDGER_OPTIONS).toConstantValue(settings);
    bind(EVENT_LEDGER)
      .to(SqliteEventLedger)
      .inSingletonScope()
      .onDeactivation((ledger) => ledger.close());
  });
}
