import { describe, expect, it } from 'vitest';
import { createInMemoryLedger } from '../../../../src/adapters/memory/in-memory-work-queue.js';
import { VirtualClock } from '../../../../src/adapters/clock/virtual-clock.js';
import { DeliveryReportBuilder } from '../../../../src/application/reporting/delivery-report.js';
import type { TransmissionEvent } from '../../../../src/domain/index.js';
import {
  appendTransmission,
  at,
  T0,
  transmission,
} from '../../../../src/testing/contracts/transmission-fixtures.js';

const deadlineExceeded: TransmissionEvent = {
  type: 'TransmissionDeadLettered',
  schemaVersion: 1,
  data: { reason: 'deadlineExceeded', detail: 'too late', attempts: 1, deadLetteredAt: at(2000) },
};
const redrivenAfterDeadline: TransmissionEvent = {
  type: 'TransmissionRedriven',
  schemaVersion: 1,
  data: {
    redriveId: 'dead-letter-1',
    reason: 'retry now',
    operator: 'ops',
    previousReason: 'deadlineExceeded',
    attemptsBefore: 1,
    redrivenAt: at(3000),
  },
};

describe('delivery report with redrives', () => {
  it('counts a re-driven transmission once: delivered after its redrive, no longer dead-lettered', async () => {
    const ledger = createInMemoryLedger(new VirtualClock(T0));
    await appendTransmission(ledger.events, 'r1', [
      transmission.requested('r1', 'conv-r'),
      transmission.started(1),
      transmission.failed(1, null),
      transmission.deadLettered(1),
      transmission.redriven('dead-letter-1', 1),
      transmission.started(2),
      transmission.delivered(2),
    ]);
    await appendTransmission(ledger.events, 'r3', [
      transmission.requested('r3', 'conv-s'),
      transmission.started(1),
      transmission.failed(1, null),
      deadlineExceeded,
      redrivenAfterDeadline,
    ]);
    await appendTransmission(ledger.events, 'r2', [
      transmission.requested('r2', 'conv-r'),
      transmission.started(1),
      transmission.failed(1, null),
      transmission.deadLettered(1),
    ]);
    const builder = new DeliveryReportBuilder();
    for (const event of await ledger.events.readAll({ afterPosition: 0, limit: 100 })) {
      builder.add(event);
    }
    expect(builder.build()).toMatchObject({
      requested: 3,
      delivered: 1,
      deadLettered: 1,
      open: 1,
      attempts: 4,
      deliveryRate: 0.5,
    });
    // Every deadlineExceeded dead letter was re-driven: that reason is not listed at all.
    expect(builder.build().deadLetteredByReason).toEqual({ permanentFailure: 1 });
    await ledger.close();
  });
});
