import { withSupportedMediaTypes, type CompiledPolicy } from '../../domain/policies/index.js';

/** The policy a command is judged by, asked for each command: it may change while running. */
export interface PolicySource {
  current(): CompiledPolicy;
}

/** Where the supported media types come from when they are not the policy's own setting. */
export interface MediaTypeSource {
  /** Checked MIME patterns; the same array until the list changes. */
  current(): readonly string[];
}

export function fixedPolicy(policy: CompiledPolicy): PolicySource {
  return { current: () => policy };
}

/**
 * `policy` with the media types `mediaTypes` holds at the moment: the rest of the policy (text
 * limits, blocked patterns, sizes) stays as configured. Recompiled only when the list changes.
 */
export function policyWithMediaTypes(
  policy: CompiledPolicy,
  mediaTypes: MediaTypeSource,
): PolicySource {
  let seen: readonly string[] | null = null;
  let compiled = policy;
  return {
    current: () => {
      const types = mediaTypes.current();
      if (types !== seen) {
        compiled = withSupportedMediaTypes(policy, types);
        seen = types;
      }
      return compiled;
    },
  };
}
