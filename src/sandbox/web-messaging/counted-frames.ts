import { randomBytes, randomUUID } from 'node:crypto';
import type { AcceptedWebMessage } from '../agent-replies/agent-desk.js';
import type { FaultDecision, FaultPlan } from '../faults/fault-plan.js';
import type { GuestReplies } from './guest-replies.js';
import type { GuestSessions } from './guest-sessions.js';
import { attachmentRefusal, checkMessage, isRecord, stringField } from './message-checks.js';
import type { WebMessagingReceived, WebMessagingScriptedAnswer } from './types.js';
import type { UploadDesk } from './uploads.js';
import {
  errorFrame,
  generateUrlErrorFrame,
  responseFrame,
  tooManyRequestsFrame,
} from './web-messaging-frames.js';
import { ATTACHMENT_ID, SIGNATURE_HEADER } from './web-messaging-settings.js';
import type {
  Connection,
  Frame,
  MutableStats,
  PendingAttachment,
  Session,
  WebMessagingSandboxContext,
  WebMessagingSettings,
} from './web-messaging-settings.js';

export type CountedAction = 'onMessage' | 'onAttachment';

/** What a scripted answer leaves for the normal handling of the frame. */
interface Carried {
  readonly uploadFailure: PendingAttachment['failWith'];
  readonly dropAfterAccept: boolean;
}

const NOTHING_CARRIED: Carried = { uploadFailure: null, dropAfterAccept: false };

/**
 * The counted frames, `onMessage` and `onAttachment`: each takes the next fault (scripted or
 * drawn from the seeded rates), then the per-session rate limit and the message checks, and
 * is recorded, echoed or answered with a presigned upload URL.
 */
export class CountedFrames {
  private readonly log: WebMessagingReceived[] = [];

  constructor(
    private readonly settings: WebMessagingSettings,
    private readonly context: WebMessagingSandboxContext,
    private readonly faults: FaultPlan<WebMessagingScriptedAnswer>,
    private readonly sessions: GuestSessions,
    private readonly uploads: UploadDesk,
    private readonly replies: GuestReplies,
    private readonly counters: MutableStats,
  ) {}

  received(): readonly WebMessagingReceived[] {
    return [...this.log];
  }

  clear(): void {
    this.log.length = 0;
  }

  async handle(
    connection: Connection,
    frame: Frame,
    token: string,
    tracingId: string | null,
    action: CountedAction,
  ): Promise<void> {
    const fault = this.faults.next();
    const carried =
      fault.kind === 'scripted'
        ? await this.applyScripted(connection, fault.answer, tracingId)
        : await this.applyDrawn(connection, fault, tracingId);
    if (carried === 'answered') return;
    const session = this.sessions.sessionOf(connection, token, tracingId);
    if (session === null) return;
    if (action === 'onAttachment') {
      this.onAttachment(connection, session, frame, tracingId, carried.uploadFailure);
      return;
    }
    this.onMessage(connection, session, frame, tracingId, carried.dropAfterAccept);
  }

  private async applyScripted(
    connection: Connection,
    scripted: WebMessagingScriptedAnswer,
    tracingId: string | null,
  ): Promise<Carried | 'answered'> {
    switch (scripted.kind) {
      case 'error':
        this.replies.error(connection, scripted.code, tracingId, scripted.body);
        return 'answered';
      case 'tooManyRequests':
        this.counters.rateLimited += 1;
        this.replies.answer(
          connection,
          tooManyRequestsFrame(scripted.retryAfterSeconds, tracingId),
        );
        return 'answered';
      case 'drop':
        this.replies.drop(connection);
        return 'answered';
      case 'dropAfterAccept':
        return { ...NOTHING_CARRIED, dropAfterAccept: true };
      case 'delay':
        await this.replies.delay(scripted.ms);
        return NOTHING_CARRIED;
      case 'expireSession':
        if (connection.session !== null) connection.session.expired = true;
        return NOTHING_CARRIED;
      case 'uploadFailure': {
        const { errorCode, errorMessage } = scripted;
        return { ...NOTHING_CARRIED, uploadFailure: { errorCode, errorMessage } };
      }
    }
  }

  private async applyDrawn(
    connection: Connection,
    fault: Exclude<FaultDecision<WebMessagingScriptedAnswer>, { kind: 'scripted' }>,
    tracingId: string | null,
  ): Promise<Carried | 'answered'> {
    switch (fault.kind) {
      case 'none':
        return NOTHING_CARRIED;
      case 'slow':
        await this.replies.delay(fault.ms);
        return NOTHING_CARRIED;
      case 'connectionReset':
        this.replies.drop(connection);
        return 'answered';
      case 'serverError':
        this.replies.error(connection, 5000, tracingId);
        return 'answered';
      case 'serverErrorEmptyBody':
        this.replies.answer(connection, errorFrame(fault.status, '', tracingId));
        this.counters.errors += 1;
        return 'answered';
      case 'rateLimited':
        this.counters.rateLimited += 1;
        this.replies.answer(
          connection,
          tooManyRequestsFrame(this.settings.retryAfterSeconds, tracingId),
        );
        return 'answered';
    }
  }

  private onAttachment(
    connection: Connection,
    session: Session,
    frame: Frame,
    tracingId: string | null,
    failWith: PendingAttachment['failWith'],
  ): void {
    const attachmentId = stringField(frame, 'attachmentId');
    const fileName = stringField(frame, 'fileName');
    const fileType = stringField(frame, 'fileType');
    if (attachmentId === null || fileName === null || fileType === null) {
      const text = 'attachmentId, fileName and fileType are required';
      this.replies.error(connection, 4020, tracingId, text);
      return;
    }
    if (!ATTACHMENT_ID.test(attachmentId)) {
      const text = 'attachmentId has characters that are not allowed';
      this.replies.error(connection, 4020, tracingId, text);
      return;
    }
    const fileSize = typeof frame['fileSize'] === 'number' ? frame['fileSize'] : null;
    const refusal = attachmentRefusal(this.settings, { fileName, fileType, fileSize });
    if (refusal !== null) {
      this.counters.errors += 1;
      const refused = generateUrlErrorFrame(attachmentId, refusal.code, refusal.message, tracingId);
      this.replies.answer(connection, refused);
      return;
    }
    const signature = randomBytes(16).toString('hex');
    this.uploads.announce({
      attachmentId,
      session,
      fileName,
      fileType,
      fileSize,
      fileMd5: stringField(frame, 'fileMd5'),
      signature,
      status: 'awaitingUpload',
      failWith,
    });
    const presigned = {
      attachmentId,
      headers: { [SIGNATURE_HEADER]: signature },
      url: this.uploads.uploadUrl(attachmentId),
      fileName,
      ...(fileSize === null ? {} : { fileSize }),
      fileType,
    };
    this.replies.answer(connection, responseFrame('PresignedUrlResponse', presigned, tracingId));
  }

  private onMessage(
    connection: Connection,
    session: Session,
    frame: Frame,
    tracingId: string | null,
    dropAfterAccept: boolean,
  ): void {
    const now = this.context.now();
    session.recent = session.recent.filter((at) => at > now - 1000);
    if (session.recent.length >= this.settings.messagesPerSecond) {
      this.counters.rateLimited += 1;
      const limited = tooManyRequestsFrame(this.settings.retryAfterSeconds, tracingId);
      this.replies.answer(connection, limited);
      return;
    }
    session.recent.push(now);
    const message = frame['message'];
    if (!isRecord(message)) {
      this.replies.error(connection, 4020, tracingId, 'message is required');
      return;
    }
    const checked = checkMessage(this.settings, message, (id) => this.uploads.attachment(id));
    if (typeof checked === 'number') {
      this.replies.error(connection, checked, tracingId);
      return;
    }
    const genesysMessageId = randomUUID();
    const receivedAt = new Date(now).toISOString();
    this.counters.accepted += 1;
    this.log.push({
      sessionId: session.sessionId,
      deploymentId: session.deploymentId,
      kind: checked.kind,
      tracingId,
      message,
      attachmentIds: checked.attachmentIds,
      genesysMessageId,
      receivedAt,
    });
    const accepted: AcceptedWebMessage = {
      sessionId: session.sessionId,
      genesysMessageId,
      text: typeof message['text'] === 'string' ? message['text'] : '',
      attachments: checked.attachmentIds.length,
    };
    // The agent answers texts, not typing or presence events, after the guest's own answer.
    const agentAnswers = checked.kind !== 'event';
    if (dropAfterAccept) {
      this.replies.drop(connection);
      if (agentAnswers) this.tellAgent(session, accepted);
      return;
    }
    const echoed = {
      ...message,
      id: genesysMessageId,
      direction: 'Inbound',
      channel: { time: receivedAt, messageId: genesysMessageId },
      originatingEntity: 'Human',
    };
    this.replies.answer(
      connection,
      responseFrame('StructuredMessage', echoed, tracingId, 'message'),
    );
    if (agentAnswers) this.tellAgent(session, accepted);
  }

  /** The reply follows the session to whatever socket it is on when the agent answers. */
  private tellAgent(session: Session, accepted: AcceptedWebMessage): void {
    this.context.agent.webMessageAccepted(accepted, (body) => {
      this.replies.push(session, 'StructuredMessage', body);
    });
  }
}
