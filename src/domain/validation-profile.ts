/**
 * Validation profiles: what a review checks, chosen by the labels. The built-in ones follow
 * the SPEC (a bug needs a regression test; a feature is audited against its acceptance criteria; a
 * refactor must keep behaviour); `validate.profiles.<label>` replaces or adds one.
 */

export interface ValidationProfile {
  /** The label that chose it; `default` when none did. */
  name: string;
  /** The change must add or change a test file. */
  requireTest: boolean;
  /** An unmet acceptance criterion means request-changes. */
  audit: boolean;
  /** Commands run in the review checkout besides validate.commands. */
  commands: string[];
  /** What the reviewer is told to check for this kind of issue. */
  instructions: string;
}

export interface ProfileSettings {
  requireTest?: boolean | undefined;
  audit?: boolean | undefined;
  commands?: string[] | undefined;
  instructions?: string | undefined;
}

export const BUILT_IN_PROFILES: Readonly<Record<string, Required<ProfileSettings>>> = {
  bug: {
    requireTest: true,
    audit: true,
    commands: [],
    instructions:
      'This is a bug fix: it needs a regression test that fails without the fix and passes with it. Check that the fix addresses the cause, not only the symptom.',
  },
  feature: {
    requireTest: false,
    audit: true,
    commands: [],
    instructions:
      'This is a feature: audit the change against every acceptance criterion, and check that new behaviour is tested.',
  },
  refactor: {
    requireTest: false,
    audit: false,
    commands: [],
    instructions:
      'This is a refactor: it must keep behaviour. Any change in observable behaviour is a finding (category bug or scope-drift).',
  },
};

const DEFAULT_PROFILE: Required<ProfileSettings> = {
  requireTest: false,
  audit: true,
  commands: [],
  instructions: 'Audit the change against the issue and its acceptance criteria.',
};

/** The profile of the first label (in the order) that has one, configured over built in. */
export function profileFor(
  labels: readonly string[],
  configured: Readonly<Record<string, ProfileSettings>>,
): ValidationProfile {
  for (const label of labels) {
    const own = lookup(configured, label);
    const builtIn = lookup(BUILT_IN_PROFILES, label);
    if (own || builtIn) {
      const base = builtIn ?? DEFAULT_PROFILE;
      return {
        name: label,
        requireTest: own?.requireTest ?? base.requireTest,
        audit: own?.audit ?? base.audit,
        commands: own?.commands ?? base.commands,
        instructions: own?.instructions ?? base.instructions,
      };
    }
  }
  const own = lookup(configured, 'default');
  return {
    name: 'default',
    requireTest: own?.requireTest ?? DEFAULT_PROFILE.requireTest,
    audit: own?.audit ?? DEFAULT_PROFILE.audit,
    commands: own?.commands ?? [],
    instructions: own?.instructions ?? DEFAULT_PROFILE.instructions,
  };
}

/**
 * A profile by label: the exact key, else one that differs only in case. Own keys only: a label is
 * issue text, and `constructor` or `__proto__` must not find Object.prototype's members.
 */
function lookup<T>(profiles: Readonly<Record<string, T>>, label: string): T | undefined {
  if (Object.hasOwn(profiles, label)) return profiles[label];
  const key = Object.keys(profiles).find((k) => k.toLowerCase() === label.toLowerCase());
  return key === undefined ? undefined : profiles[key];
}
