import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { PolicySettings } from '../../src/domain/policies/index.js';

/**
 * examples/policy.tutorial.json: the tutorial's placeholder patterns and media list, which
 * were the defaults once. Tests that block content or refuse a media type set it explicitly.
 */
export const TUTORIAL_POLICY_FILE = fileURLToPath(
  new URL('../../examples/policy.tutorial.json', import.meta.url),
);

export const tutorialPolicySettings = JSON.parse(
  readFileSync(TUTORIAL_POLICY_FILE, 'utf8'),
) as PolicySettings;
