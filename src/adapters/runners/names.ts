/**
 * The runners' names: the one list the config schema (`agents.<name>.runner`), `lanes start
 * --runner` and the registry (registry.ts, which must have exactly these keys) derive from. The
 * first is the default.
 */
export const RUNNER_NAMES = ['headless', 'tmux'] as const;
export type RunnerName = (typeof RUNNER_NAMES)[number];
export const DEFAULT_RUNNER: RunnerName = RUNNER_NAMES[0];
