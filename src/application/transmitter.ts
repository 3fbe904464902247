// Why over 400 lines: this is the library's one public facade. Each method is a few lines that
// hand over to a use case (the transmission service, the pipeline, the agent-message recorder,
// redrive, transcripts); the length is the width of the API, not logic kept here.
import { exhaustMap, interval, startWith, type Subscription } from 'rxjs';
import { asError } from '../domain/index.js';
import {
  parseCommandInput,
  type MessageInput,
  type ReceiptInput,
  type TypingInput,
} from './commands/command-input.js';
import type { ParsedCommand } from './commands/parsed-command.js';
import type {
  AgentMessageArrival,
  AgentMessageHandler,
} from './agent-replies/agent-message-arrival.js';
import {
  AgentMessageRecorder,
  type RecordedAgentMessage,
} from './agent-replies/agent-message-recorder.js';
import type { AgentReceiptPolicy } from './agent-replies/agent-receipts.js';
import { conversationEvents } from './agent-replies/conversation-events.js';
import {
  conversationTranscript,
  type Transcript,
} from './agent-replies/conversation-transcript.js';
import { GuestConversations } from './agent-replies/guest-conversations.js';
import { conversationNamedAsStored } from './privacy/ledger-pseudonymiser.js';
import {
  recordWebhookRefusal,
  type RecordedWebhookRefusal,
  type WebhookRefusal,
} from './agent-replies/webhook-refusal-stream.js';
import {
  recordIntakeFailure,
  type IntakeFailure,
  type RecordedIntakeFailure,
} from './intake/intake-failure-stream.js';
import type {
  AgentMessageSource,
  Clock,
  IdGenerator,
  Ledger,
  Logger,
  MessagingTransport,
  GuestPseudonymiser,
  PersonalDataVault,
  Random,
  RecordedEvent,
  WorkerIdentity,
} from './ports/index.js';
import type { PolicySource } from './policy/policy-source.js';
import { RateLimiter, type RateLimiterOptions } from './rate-limit/rate-limiter.js';
import {
  listDeadLetters,
  parseDeadLetterFilter,
  type DeadLetterEntry,
  type DeadLetterFilterInput,
} from './redrive/dead-letter-listing.js';
import { parseRedriveInput, type RedriveInput } from './redrive/redrive-request.js';
import { RedriveService, type RedriveResult } from './redrive/redrive-service.js';
import {
  DeliveryPipeline,
  type PipelineConfig,
  type PipelineObserver,
} from './transmission/delivery-pipeline.js';
import {
  isCommandIdReusedError,
  type CommandIdReusedError,
} from './transmission/command-fingerprint.js';
import { OutcomeFollower } from './transmission/outcome-follower.js';
import { OutcomeRegistry } from './transmission/outcome-registry.js';
import type { TransmissionOutcome } from './transmission/transmission-outcome.js';
import {
  TransmissionService,
  TransmitterClosedError,
  type AcceptedCommand,
  type TransmissionStatusReport,
} from './transmission/transmission-service.js';

export interface TransmitterDependencies {
  /** The event store and the work queue, shared with any other worker on the same database. */
  readonly ledger: Ledger;
  readonly worker: WorkerIdentity;
  readonly transport: MessagingTransport;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly random: Random;
  readonly logger: Logger;
  /** Seals personal content before it is stored and opens it before it is sent. */
  readonly vault: PersonalDataVault;
  /** The transport's own connections, when they carry agent replies (Web Messaging sockets). */
  readonly agentMessages?: AgentMessageSource;
  /** Names guests and conversations in the ledger's clear fields (values, or keyed hashes). */
  readonly pseudonymiser: GuestPseudonymiser;
}

export interface TransmitterSettings {
  /** Asked for each command: the media types may follow the integration's profile. */
  readonly policy: PolicySource;
  readonly pipeline: PipelineConfig;
  readonly rateLimit: RateLimiterOptions;
  /** How long `close()` lets in-flight attempts finish before aborting them. */
  readonly closeTimeoutMs: number;
  /** How agent messages are acknowledged (default `delivered`). */
  readonly agentReceipts?: AgentReceiptPolicy;
}

export interface SubmitManyOptions {
  /** Commands not yet final at once; bounds memory however long the input is. */
  readonly maxOutstanding?: number;
  readonly onOutcome?: (outcome: TransmissionOutcome) => void;
  /**
   * A command refused before anything was recorded because its id names another command in
   * the ledger (COMMAND_ID_REUSED). Given, the run goes on; without it, the run stops with the
   * error as with any other failure.
   */
  readonly onRefused?: (commandId: string, error: CommandIdReusedError) => void;
}

export interface SubmitManySummary {
  readonly total: number;
  readonly delivered: number;
  readonly rejected: number;
  readonly deadLettered: number;
  readonly duplicates: number;
  /** Refused for a reused command id (only counted when `onRefused` is given). */
  readonly refused: number;
}

export type AnyCommandInput =
  | ({ readonly kind?: 'message' } & MessageInput)
  | ({ readonly kind: 'receipt' } & ReceiptInput)
  | ({ readonly kind: 'typing' } & TypingInput);

/**
 * One transmitter: a ledger, a transport and the pipeline between them. Submitting puts a
 * command in the ledger before anything is sent; on start, open transmissions resume.
 */
export class Transmitter {
  private readonly outcomes = new OutcomeRegistry();
  private readonly service: TransmissionService;
  private readonly redrives: RedriveService;
  private readonly pipeline: DeliveryPipeline;
  private readonly rateLimiter: RateLimiter;
  private readonly follower: OutcomeFollower;
  private readonly agentReplies: AgentMessageRecorder;
  private following: Subscription | null = null;
  private stopListening: (() => void) | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly deps: TransmitterDependencies,
    private readonly settings: TransmitterSettings,
    observer: PipelineObserver = {},
  ) {
    this.rateLimiter = new RateLimiter(settings.rateLimit, deps.clock);
    this.pipeline = new DeliveryPipeline(
      {
        events: deps.ledger.events,
        work: deps.ledger.work,
        worker: deps.worker,
        transport: deps.transport,
        clock: deps.clock,
        random: deps.random,
        logger: deps.logger,
        rateLimiter: this.rateLimiter,
        outcomes: this.outcomes,
        vault: deps.vault,
      },
      settings.pipeline,
      observer,
    );
    this.follower = new OutcomeFollower(deps.ledger.events, this.outcomes, deps.logger);
    this.service = new TransmissionService({
      events: deps.ledger.events,
      clock: deps.clock,
      logger: deps.logger,
      outcomes: this.outcomes,
      policy: settings.policy,
      vault: deps.vault,
      pseudonymiser: deps.pseudonymiser,
      onAccepted: () => {
        this.pipeline.wake();
      },
    });
    // Receipts for agent messages name their conversation as the ledger stores it.
    const receipts = new TransmissionService({
      events: deps.ledger.events,
      clock: deps.clock,
      logger: deps.logger,
      outcomes: this.outcomes,
      policy: settings.policy,
      vault: deps.vault,
      pseudonymiser: conversationNamedAsStored(deps.pseudonymiser),
      onAccepted: () => {
        this.pipeline.wake();
      },
    });
    this.agentReplies = new AgentMessageRecorder({
      events: deps.ledger.events,
      vault: deps.vault,
      clock: deps.clock,
      logger: deps.logger,
      conversations: new GuestConversations(deps.ledger.events),
      receipts: settings.agentReceipts ?? 'delivered',
      pseudonymiser: deps.pseudonymiser,
      acceptReceipt: async (input) => {
        await receipts.accept(this.toCommand(input));
      },
      receiptRequested: async (commandId) =>
        (await this.service.status(commandId)).status !== 'unknown',
    });
    this.redrives = new RedriveService({
      events: deps.ledger.events,
      clock: deps.clock,
      logger: deps.logger,
      vault: deps.vault,
      onRedriven: () => {
        this.pipeline.wake();
      },
    });
  }

  /** The id this worker records in the metadata of every step it appends. */
  get workerId(): string {
    return this.deps.worker.id;
  }

  /** Starts the pipeline, resuming whatever a previous run left open. */
  start(): this {
    this.pipeline.start();
    // Outcomes that other workers on the ledger record reach this worker's callers too. The
    // first look, at once, takes the position to follow from before any caller can wait: a
    // command another worker finishes within the first poll interval is not missed.
    this.following ??= interval(this.settings.pipeline.pollIntervalMs, this.deps.clock.scheduler)
      .pipe(
        startWith(0),
        exhaustMap(() => this.follower.poll()),
      )
      .subscribe();
    this.stopListening ??=
      this.deps.agentMessages?.listenForAgentMessages(async (arrival) => {
        await this.recordAgentMessage(arrival);
      }) ?? null;
    return this;
  }

  /** Turns untrusted input into a command, checking its shape (InvalidCommandInputError). */
  parse(input: unknown): ParsedCommand {
    return parseCommandInput(input, this.deps.ids);
  }

  /** Records the command and resolves with its final outcome. */
  async submit(input: AnyCommandInput | ParsedCommand): Promise<TransmissionOutcome> {
    this.assertOpen();
    return this.service.submit(this.toCommand(input));
  }

  /** Records the command and returns once it is in the ledger. */
  async accept(input: AnyCommandInput | ParsedCommand): Promise<AcceptedCommand> {
    this.assertOpen();
    return this.service.accept(this.toCommand(input));
  }

  async submitMany(
    inputs:
      Iterable<AnyCommandInput | ParsedCommand> | AsyncIterable<AnyCommandInput | ParsedCommand>,
    options: SubmitManyOptions = {},
  ): Promise<SubmitManySummary> {
    const maxOutstanding = options.maxOutstanding ?? 1000;
    // Commands in flight together reach the ledger in input order (so in each conversation's
    // order) only if each takes the same steps; the pseudonymiser's first look at the ledger
    // would hold up just the first few, so it is settled before any.
    await this.deps.pseudonymiser.ready?.();
    const counts = {
      total: 0,
      delivered: 0,
      rejected: 0,
      deadLettered: 0,
      duplicates: 0,
      refused: 0,
    };
    const outstanding = new Set<Promise<void>>();
    let firstError: unknown = null;
    for await (const input of inputs) {
      if (firstError !== null) break;
      counts.total += 1;
      let command: ParsedCommand;
      try {
        command = this.toCommand(input);
      } catch (error) {
        firstError = error;
        break;
      }
      const task: Promise<void> = this.submit(command)
        .then(
          (outcome) => {
            counts[outcome.status] += 1;
            if (outcome.duplicate) counts.duplicates += 1;
            options.onOutcome?.(outcome);
          },
          (error: unknown) => {
            if (options.onRefused !== undefined && isCommandIdReusedError(error)) {
              counts.refused += 1;
              options.onRefused(command.commandId, error);
              return;
            }
            firstError ??= error;
          },
        )
        .finally(() => outstanding.delete(task));
      outstanding.add(task);
      if (outstanding.size >= maxOutstanding) await Promise.race(outstanding);
    }
    await Promise.all(outstanding);
    if (firstError !== null) throw asError(firstError);
    return counts;
  }

  /**
   * Refuses, before anything is recorded, commands whose id names another command in the ledger
   * or earlier in `inputs` (CommandIdReusedError): an intake checks a whole batch first.
   */
  async assertIdsNotReused(inputs: readonly (AnyCommandInput | ParsedCommand)[]): Promise<void> {
    this.assertOpen();
    await this.service.assertIdsNotReused(inputs.map((input) => this.toCommand(input)));
  }

  status(commandId: string): Promise<TransmissionStatusReport> {
    return this.service.status(commandId);
  }

  /** Resolves with the final outcome of a command already in the ledger (COMMAND_UNKNOWN otherwise). */
  outcome(commandId: string): Promise<TransmissionOutcome> {
    this.assertOpen();
    return this.service.awaitOutcome(commandId);
  }

  /**
   * Re-opens a dead-lettered transmission for new attempts with the same Genesys messageId
   * (REDRIVE_NOT_ALLOWED for a rejected, open, delivered or erased one). Repeating a redrive
   * id re-opens nothing; wait for the new outcome with `outcome(commandId)`.
   */
  async redrive(input: RedriveInput): Promise<RedriveResult> {
    this.assertOpen();
    return this.redrives.redrive(parseRedriveInput(input));
  }

  /** The transmissions dead-lettered now, oldest first, filtered by time and code. */
  deadLetters(filter: DeadLetterFilterInput = {}): AsyncGenerator<DeadLetterEntry> {
    return listDeadLetters(this.deps.ledger, parseDeadLetterFilter(filter));
  }

  /**
   * Records that a broker message is not a command (`CommandIntakeFailed`), once per broker
   * message id: its size, hash and problems, never its content.
   */
  async recordIntakeFailure(failure: IntakeFailure): Promise<RecordedIntakeFailure> {
    this.assertOpen();
    return recordIntakeFailure(
      this.deps.ledger.events,
      failure,
      this.deps.clock.now(),
      this.deps.ids,
    );
  }

  /**
   * Records one message from Genesys (an agent's reply, a typing event, Genesys' receipt for a
   * guest message) in the conversation of its guest, once per Genesys message id, then requests
   * the agent message's receipt and tells the `onAgentMessage` handlers. Resolves once it is in
   * the ledger; a repeat resolves with `duplicate: true` and records nothing new.
   */
  async recordAgentMessage(arrival: AgentMessageArrival): Promise<RecordedAgentMessage> {
    this.assertOpen();
    return this.agentReplies.record(arrival);
  }

  /**
   * Hears every message from Genesys after it is recorded (and again, `duplicate: true`, when
   * Genesys retries one). Returns a function that stops it. A handler that throws is logged.
   */
  onAgentMessage(handler: AgentMessageHandler): () => void {
    return this.agentReplies.onAgentMessage(handler);
  }

  /** Records a signed outbound-webhook body that was refused: size, hash, problems, no content. */
  async recordAgentWebhookRefusal(refusal: WebhookRefusal): Promise<RecordedWebhookRefusal> {
    this.assertOpen();
    return recordWebhookRefusal(this.deps.ledger.events, refusal, this.deps.clock.now());
  }

  /**
   * Both sides of one conversation in ledger order (content sealed as stored): the guest's
   * transmissions with every attempt and outcome, and Genesys' messages, typing and receipts.
   */
  conversationEvents(conversationRef: string): Promise<readonly RecordedEvent[]> {
    return conversationEvents(this.deps.ledger.events, conversationRef);
  }

  /**
   * One conversation as a person reads it (see `conversationTranscript`), named as the caller
   * knows it also on a pseudonymised ledger; content opened only when `reveal` is asked.
   */
  async transcript(conversationRef: string, options: { reveal: boolean }): Promise<Transcript> {
    const storedConversationRef = await this.deps.pseudonymiser.conversationRef(conversationRef);
    return conversationTranscript(
      { events: this.deps.ledger.events, vault: this.deps.vault },
      { conversationRef, storedConversationRef, reveal: options.reveal },
    );
  }

  /**
   * Resolves once the ledger is usable (connected and migrated), the master key opens the
   * stored guest keys and the pseudonymisation setting agrees with the ledger
   * (PSEUDONYMISATION_REQUIRED, PSEUDONYMISATION_LEDGER_NOT_EMPTY); rejects with the coded
   * reason otherwise. Call before `start()`.
   */
  async ready(): Promise<void> {
    await this.deps.ledger.ready?.();
    await this.deps.vault.verifyMasterKey?.();
    // A writer whose GTX_PSEUDONYMISE disagrees with its ledger refuses here, before any work.
    await this.deps.pseudonymiser.ready?.();
  }

  /** Fails fast when the transport cannot reach Genesys or its credentials are refused. */
  async verifyTransport(): Promise<void> {
    await this.deps.transport.verify?.();
  }

  /** Total time attempts have waited for the rate limiter. */
  rateLimitWaitMs(): number {
    return this.rateLimiter.totalWaitMs();
  }

  /** The fault that stopped the delivery pipeline, or null while it runs (readiness probes). */
  pipelineFault(): unknown {
    return this.pipeline.faultCause();
  }

  /**
   * Stops taking work, lets in-flight attempts finish (or aborts them after the timeout),
   * then closes the transport and the ledger. `drain: false` stops like a crash would.
   */
  close(options: { drain?: boolean } = {}): Promise<void> {
    this.closing ??= this.doClose(options.drain ?? true);
    return this.closing;
  }

  private async doClose(drain: boolean): Promise<void> {
    this.following?.unsubscribe();
    this.stopListening?.();
    await this.pipeline.stop({ drain, timeoutMs: this.settings.closeTimeoutMs });
    this.outcomes.rejectAll(new TransmitterClosedError());
    await this.deps.transport.close();
    await this.deps.vault.close();
    await this.deps.ledger.close();
  }

  private toCommand(input: AnyCommandInput | ParsedCommand): ParsedCommand {
    return parseCommandInput(input, this.deps.ids);
  }

  private assertOpen(): void {
    if (this.closing !== null) throw new TransmitterClosedError();
    const fault = this.pipeline.faultCause();
    if (fault !== null) throw asError(fault);
  }
}
