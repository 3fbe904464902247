/** What users configure about validation, and the defaults they get when they do not. */

export interface PolicySettings {
  /** Text limit in Unicode code points (the documented Genesys limit). */
  maxTextChars?: number;
  /** Text limit in UTF-8 bytes. */
  maxTextBytes?: number;
  /** Regular expression sources, matched case-insensitively against normalised text. */
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

export const DEFAULT_POLICY_SETTINGS: Readonly<Required<PolicySettings>> = Object.freeze({
  maxTextChars: 4000,
  maxTextBytes: 4096,
  blockedPatterns: ['<script[^>]*>[\\s\\S]*?</script>', 'malware\\.exe', 'blocked_keyword'],
  supportedMediaTypes: ['image/png', 'image/jpeg', 'application/pdf', 'text/plain'],
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
