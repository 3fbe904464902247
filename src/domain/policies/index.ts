/** The pure validation policies: what a command must satisfy before it is transmitted. */
export { compilePolicy, withSupportedMediaTypes, type CompiledPolicy } from './compile-policy.js';
export { validateCommand } from './validate-command.js';
export { DEFAULT_POLICY_SETTINGS, FIXED_LIMITS, type PolicySettings } from './policy-settings.js';
export { normaliseForContentPolicy } from './content-normalisation.js';
export { codePointLength, utf8ByteLength } from './text-measure.js';
export { classifyHost, type HostClass } from './host-classification.js';
export {
  isValidMediaTypePattern,
  mediaPatternCovers,
  mediaTypeMatches,
  uncoveredMediaPatterns,
} from './media-type.js';
export { compileBlockedPattern, type BlockedPattern } from './blocked-pattern.js';
export { oneLine } from './one-line.js';
