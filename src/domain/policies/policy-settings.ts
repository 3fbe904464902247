/** What users configure about validation, and the defaults they get when they do not. */

export interface PolicySettings {
  /** Text limit in Unicode code points (the documented Genesys limit). */
  maxTextChars?: number;
  /** Text limit in UTF-8 bytes. */
  maxTextBytes?: number;
  /** RE2 patterns (docs/policy.md), matched case-insensitively against normalised text. */
  blockedPatterns?: string[];
  /** Exact media types and wildcards such as `image/*` or `*\/*`. */
  supportedMediaTypes?: string[];
  maxAttachmentBytes?: number;
  maxAttachments?: number;
  /** Lets `http://localhost…` attachment URLs through, for the sandbox demo. */
  allowLoopbackAttachmentUrls?: boolean;
  /** UTF-8 bytes of the metadata keys and values encoded as a JSON object. */
  maxMetadataBytes?: number;
}

/**
 * Defaults a real deployment can keep (docs/policy.md says why): the Genesys limits, no blocked
 * patterns (what to block is each deployment's own decision), and every media type, as
 * Genesys' default Supported Content profile allows every inbound type (an organisation narrows
 * it there, or here with `supportedMediaTypes`). examples/policy.tutorial.json keeps the
 * tutorial's placeholder patterns and media list.
 */
export const DEFAULT_POLICY_SETTINGS: Readonly<Required<PolicySettings>> = Object.freeze({
  maxTextChars: 4000,
  maxTextBytes: 4096,
  blockedPatterns: [],
  supportedMediaTypes: ['*/*'],
  maxAttachmentBytes: 26_214_400, // 25 MiB
  maxAttachments: 10,
  allowLoopbackAttachmentUrls: false,
  maxMetadataBytes: 2048,
});

/** Limits that are not user settings: identifiers and names Genesys stores in short fields. */
export const FIXED_LIMITS = Object.freeze({
  identifierChars: 256,
  profileFieldChars: 256,
  filenameChars: 255,
  receiptReasonChars: 1024,
});
