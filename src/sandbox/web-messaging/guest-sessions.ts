import { randomUUID } from 'node:crypto';
import type { GuestReplies } from './guest-replies.js';
import { stringField } from './message-checks.js';
import type { WebMessagingSessionInfo } from './types.js';
import { responseFrame } from './web-messaging-frames.js';
import type { Connection, Frame, Session, WebMessagingSettings } from './web-messaging-settings.js';

/** How long a guest session lives, as SessionResponse announces it (3 days). */
const SESSION_DURATION_SECONDS = 259_200;

/**
 * Guest sessions by token: `configureSession` opens, resumes or replaces one (and moves it to
 * the latest socket), `echo` answers on it, and every other action finds its session here.
 */
export class GuestSessions {
  private readonly byToken = new Map<string, Session>();

  constructor(
    private readonly settings: WebMessagingSettings,
    private readonly replies: GuestReplies,
  ) {}

  list(): WebMessagingSessionInfo[] {
    return [...this.byToken.values()].map((session) => ({
      sessionId: session.sessionId,
      deploymentId: session.deploymentId,
      resumes: session.resumes,
      expired: session.expired,
      connected: session.socket !== null,
    }));
  }

  configure(connection: Connection, frame: Frame, token: string, tracingId: string | null): void {
    const deploymentId = stringField(frame, 'deploymentId') ?? connection.deploymentId;
    const known = this.settings.deploymentIds;
    if (deploymentId === '' || (known !== null && !known.has(deploymentId))) {
      this.replies.error(connection, 400, tracingId, 'Deployment not found');
      return;
    }
    const startNew = frame['startNew'] === true;
    const existing = this.byToken.get(token);
    if (existing !== undefined && existing.expired && !startNew) {
      this.replies.error(connection, 4006, tracingId);
      return;
    }
    let session: Session;
    let newSession: boolean;
    if (existing === undefined || startNew) {
      session = {
        sessionId: randomUUID(),
        token,
        deploymentId,
        resumes: 0,
        expired: false,
        socket: null,
        recent: [],
      };
      this.byToken.set(token, session);
      newSession = true;
    } else {
      session = existing;
      session.resumes += 1;
      newSession = false;
    }
    if (session.socket !== null && session.socket !== connection.socket) {
      this.replies.send(
        session.socket,
        responseFrame('ConnectionClosedEvent', {}, null, 'message'),
      );
      session.socket.close(1000, 'session opened elsewhere');
    }
    session.socket = connection.socket;
    connection.session = session;
    this.replies.answer(
      connection,
      responseFrame(
        'SessionResponse',
        this.sessionResponse(newSession, startNew && existing !== undefined),
        tracingId,
      ),
    );
  }

  echo(connection: Connection, token: string, tracingId: string | null): void {
    const session = this.sessionOf(connection, token, tracingId);
    if (session === null) return;
    this.replies.answer(
      connection,
      responseFrame(
        'StructuredMessage',
        { id: randomUUID(), type: 'Text', text: 'ping', direction: 'Inbound' },
        tracingId,
      ),
    );
  }

  /** The connection's configured session for this token, or null after answering 4006/4007. */
  sessionOf(connection: Connection, token: string, tracingId: string | null): Session | null {
    const session = connection.session;
    if (session?.token !== token) {
      this.replies.error(connection, 4007, tracingId);
      return null;
    }
    if (session.expired) {
      this.replies.error(connection, 4006, tracingId);
      return null;
    }
    return session;
  }

  private sessionResponse(newSession: boolean, clearedExistingSession: boolean): unknown {
    const media = this.settings.allowedMedia;
    return {
      connected: true,
      newSession,
      readOnly: false,
      maxCustomDataBytes: this.settings.maxCustomDataBytes,
      ...(media === null
        ? {}
        : {
            allowedMedia: {
              inbound: {
                fileTypes: media.fileTypes.map((type) => ({ type })),
                maxFileSizeKB: media.maxFileSizeKB,
              },
            },
          }),
      blockedExtensions: this.settings.blockedExtensions,
      clearedExistingSession,
      durationSeconds: SESSION_DURATION_SECONDS,
    };
  }
}
