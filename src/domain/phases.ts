/**
 * The phases of the pipeline, the one list every other list of phase names derives from: the
 * config's `phases.<phase>` keys, `lanes start --phase`, the prompts, the lane's agent phase.
 */
export const PHASES = ['plan', 'implement', 'fix', 'review', 'audit', 'lint', 'heal', 'resolve'] as const;
export type Phase = (typeof PHASES)[number];

/** The phases an agent is started for today (`lanes start --phase`): those with a prompt in prompt.ts. */
export const AGENT_PHASES = ['plan', 'implement', 'fix'] as const satisfies readonly Phase[];
export type AgentPhase = (typeof AGENT_PHASES)[number];

/**
 * What an agent run can work on: the phases `lanes start` offers, a review (`lanes review`), the
 * wording of rules (`lanes heal`, a run beside every lane) and the resolution of a rebase's conflicts
 * (`lanes sync` and `lanes land`).
 */
export const RUN_PHASES = [...AGENT_PHASES, 'review', 'heal', 'resolve'] as const satisfies readonly Phase[];
export type RunPhase = (typeof RUN_PHASES)[number];

/** Phases whose work is a commit on the lane's branch; a plan answers in text. */
export const COMMITTING_PHASES: readonly string[] = ['implement', 'fix'] satisfies readonly AgentPhase[];

export function isAgentPhase(value: string): value is AgentPhase {
  return (AGENT_PHASES as readonly string[]).includes(value);
}

export function isRunPhase(value: string): value is RunPhase {
  return (RUN_PHASES as readonly string[]).includes(value);
}
