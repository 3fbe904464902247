/**
 * Keeps a conversation's commands in the order the broker first delivered them when some of
 * them go back to the broker (a ledger outage): once a command of a conversation was handed
 * back, later commands of that conversation are handed back too until the earlier ones are
 * recorded. Which one comes first is the order they were handed back in. An entry nobody
 * brings back (another consumer took it) expires, so no conversation is held forever.
 */
export class ConversationGate {
  private readonly held = new Map<string, { commandId: string; sinceMs: number }[]>();

  constructor(private readonly expiryMs: number) {}

  /** Whether this command may be recorded now: nothing of its conversation is held before it. */
  admits(conversation: string, commandId: string, nowMs: number): boolean {
    const queue = this.held.get(conversation);
    if (queue === undefined) return true;
    while (queue.length > 0 && nowMs - (queue[0]?.sinceMs ?? nowMs) > this.expiryMs) queue.shift();
    if (queue.length === 0) {
      this.held.delete(conversation);
      return true;
    }
    return queue[0]?.commandId === commandId;
  }

  /** The command went back to the broker: what follows it in its conversation waits for it. */
  hold(conversation: string, commandId: string, nowMs: number): void {
    const queue = this.held.get(conversation) ?? [];
    if (!queue.some((entry) => entry.commandId === commandId))
      queue.push({ commandId, sinceMs: nowMs });
    this.held.set(conversation, queue);
  }

  /** The command is in the ledger: the next one of its conversation may follow. */
  release(conversation: string, commandId: string): void {
    const queue = this.held.get(conversation);
    if (queue === undefined) return;
    const index = queue.findIndex((entry) => entry.commandId === commandId);
    if (index >= 0) queue.splice(index, 1);
    if (queue.length === 0) this.held.delete(conversation);
  }

  /** Conversations with commands held back. */
  size(): number {
    return this.held.size;
  }
}
