import { encodeAppendRequest, planAppend } from '../src/application/ledger/ledger-rows.js';
import { noteBatches } from '../bench/lib/note-batches.js';
import { openSqliteLedger } from '../src/adapters/sqlite/sqlite-ledger.js';
import { SystemClock } from '../src/adapters/clock/system-clock.js';
import { rmSync } from 'node:fs';
const batches = noteBatches('x', 50_000);
const t = (label: string, f: () => void) => { const s = performance.now(); f(); console.log(label, ((performance.now() - s) * 1000 / 50_000).toFixed(2), 'µs/event'); };
let enc: any[] = [];
for (let r = 0; r < 2; r++) {
t('encode', () => { enc = batches.map((b) => encodeAppendRequest(b)); });
let head = { position: 0, hash: '0'.repeat(64) };
t('plan', () => { for (const e of enc) { const p = planAppend(head, 's', 0, e, Date.now()); head = p.head; } });
}
rmSync('/tmp/steps.db', { force: true }); rmSync('/tmp/steps.db-wal', { force: true });
const ledger = openSqliteLedger({ path: '/tmp/steps.db', clock: new SystemClock(), synchronous: 'FULL' });
const s = performance.now();
for (const b of batches) await ledger.events.append(b);
console.log('append', ((performance.now() - s) * 1000 / 50_000).toFixed(2), 'µs/event');
await ledger.close();
