import { createHash } from 'node:crypto';
import { SandboxSettingError } from '../sandbox-setting-error.js';

/** What a reply template may say about the guest's message: ids and sizes, never its words. */
export interface GuestMessageFacts {
  readonly messageId: string;
  readonly text: string;
  readonly attachments: number;
}

const PLACEHOLDERS = {
  messageId: (facts: GuestMessageFacts) => facts.messageId,
  characters: (facts: GuestMessageFacts) => String(Array.from(facts.text).length),
  sha256: (facts: GuestMessageFacts) =>
    createHash('sha256').update(facts.text, 'utf8').digest('hex').slice(0, 12),
  attachments: (facts: GuestMessageFacts) => String(facts.attachments),
} as const;

type Placeholder = keyof typeof PLACEHOLDERS;

const PLACEHOLDER = /\{([A-Za-z0-9_]+)\}/g;

function isPlaceholder(name: string): name is Placeholder {
  return Object.hasOwn(PLACEHOLDERS, name);
}

export const DEFAULT_REPLY_TEXT = 'Thanks, an agent has your message {messageId}.';

/** A checked reply template; a fixed text is a template without placeholders. */
export class ReplyTemplate {
  private constructor(private readonly template: string) {}

  /** Refuses an empty template and any `{word}` that is not a known placeholder. */
  static parse(template: string, setting = 'agentReplies.text'): ReplyTemplate {
    if (template.trim() === '') throw new SandboxSettingError(setting, 'the reply text is empty');
    const unknown = [...template.matchAll(PLACEHOLDER)]
      .map((match) => match[1] ?? '')
      .filter((name) => !isPlaceholder(name));
    if (unknown.length > 0) {
      const known = Object.keys(PLACEHOLDERS)
        .map((name) => `{${name}}`)
        .join(', ');
      throw new SandboxSettingError(
        setting,
        `unknown placeholder ${unknown.map((name) => `{${name}}`).join(', ')} (known: ${known})`,
      );
    }
    return new ReplyTemplate(template);
  }

  render(facts: GuestMessageFacts): string {
    return this.template.replace(PLACEHOLDER, (whole, name: string) =>
      isPlaceholder(name) ? PLACEHOLDERS[name](facts) : whole,
    );
  }
}
