/**
 * Writes what each input line has to say in line order, although outcomes arrive in the order
 * they become final: a line's notes wait until every earlier line has settled. Only the lines
 * still outstanding are held, so memory stays bounded by the batch's in-flight commands.
 */
export class OrderedLines {
  private next = 1;
  private readonly settled = new Map<number, readonly string[]>();

  constructor(private readonly write: (text: string) => void) {}

  /** Line `line` is done; `notes` (possibly none) are written once its turn comes. */
  settle(line: number, notes: readonly string[]): void {
    this.settled.set(line, notes);
    for (let ready = this.settled.get(this.next); ready !== undefined;) {
      this.settled.delete(this.next);
      for (const note of ready) this.write(note);
      this.next += 1;
      ready = this.settled.get(this.next);
    }
  }

  /** Writes whatever is still held (a run that ended early), in line order. */
  flush(): void {
    for (const line of [...this.settled.keys()].sort((a, b) => a - b)) {
      for (const note of this.settled.get(line) ?? []) this.write(note);
    }
    this.settled.clear();
  }
}
