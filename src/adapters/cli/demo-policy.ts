import type { PolicySettings } from '../../domain/policies/index.js';

/**
 * The demo's own policy: the tutorial's placeholder patterns and media list (the same as
 * examples/policy.tutorial.json), so that its sample set still shows a blocked text and a
 * refused media type now that the defaults block nothing and allow every media type.
 */
export const TUTORIAL_POLICY: Readonly<
  Required<Pick<PolicySettings, 'blockedPatterns' | 'supportedMediaTypes'>>
> = Object.freeze({
  blockedPatterns: ['<script[^>]*>[\\s\\S]*?</script>', 'malware\\.exe', 'blocked_keyword'],
  supportedMediaTypes: ['image/png', 'image/jpeg', 'application/pdf', 'text/plain'],
});
