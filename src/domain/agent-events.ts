/**
 * One event model for every agent CLI's machine output, and the pure summary of a run. Each
 * adapter's parser turns its CLI's own lines (stream-json, JSONL, JSON) into these events; lanes
 * stores the summary per lane, phase and model.
 *
 * Usage accounting: `usage` events are increments (one model reply, one step, one turn); a
 * `result` event may carry the CLI's own totals (`usageByModel`, `costUsd`), which then replace
 * the sum of increments, because the CLI knows about replies its stream did not show.
 */
import { costOf, type PriceTable } from './pricing.js';

export interface TokenUsage {
  /** Input tokens not read from a cache. */
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export type AgentEvent =
  | { type: 'session'; sessionId: string; model?: string }
  | { type: 'text'; text: string }
  | { type: 'tool-use'; name: string; id?: string; input?: unknown }
  | { type: 'tool-result'; id?: string; ok: boolean; output?: string }
  | { type: 'usage'; usage: TokenUsage; model?: string; costUsd?: number }
  | {
      type: 'result';
      ok: boolean;
      text?: string;
      error?: string;
      usageByModel?: Record<string, TokenUsage>;
      costUsd?: number;
      durationMs?: number;
      turns?: number;
    }
  /** A problem the CLI reported; fatal ones are followed by a failed result or a non-zero exit. */
  | { type: 'error'; message: string; fatal: boolean };

export interface AgentRunSummary {
  sessionId: string | undefined;
  ok: boolean;
  /** The final answer: the result's text, else the text said after the last tool call. */
  text: string;
  error: string | undefined;
  usageByModel: Record<string, TokenUsage>;
  usage: TokenUsage;
  /** The CLI's own cost when it reported one, else priced from the table; undefined when a model has no price. */
  costUsd: number | undefined;
  costSource: 'agent' | 'price-table' | 'unknown';
  toolUses: number;
}

export const ZERO_USAGE: TokenUsage = Object.freeze({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    input: a.input + b.input,
    output: a.output + b.output,
    cacheRead: a.cacheRead + b.cacheRead,
    cacheWrite: a.cacheWrite + b.cacheWrite,
  };
}

export function totalTokens(u: TokenUsage): number {
  return u.input + u.output + u.cacheRead + u.cacheWrite;
}

export interface SummaryOptions {
  /** The model lanes asked for: usage events that name none are booked to it. */
  model?: string;
  /** The process exit code, when it has exited. A non-zero exit fails the run whatever the stream said. */
  exitCode?: number | null;
  prices?: PriceTable;
}

export function summarizeAgentEvents(events: readonly AgentEvent[], options: SummaryOptions = {}): AgentRunSummary {
  const fallbackModel = options.model ?? 'unknown';
  let sessionId: string | undefined;
  let sessionModel: string | undefined;
  let resultEvent: Extract<AgentEvent, { type: 'result' }> | undefined;
  let lastText = '';
  let textSinceTool = true;
  let toolUses = 0;
  let fatal: string | undefined;
  let reportedCost: number | undefined;
  const summed: Record<string, TokenUsage> = {};

  for (const e of events) {
    switch (e.type) {
      case 'session':
        sessionId ??= e.sessionId;
        sessionModel ??= e.model;
        break;
      case 'text':
        lastText = textSinceTool ? lastText + e.text : e.text;
        textSinceTool = true;
        break;
      case 'tool-use':
        toolUses++;
        textSinceTool = false;
        break;
      case 'usage': {
        const m = e.model ?? sessionModel ?? fallbackModel;
        summed[m] = addUsage(summed[m] ?? ZERO_USAGE, e.usage);
        if (e.costUsd !== undefined) reportedCost = (reportedCost ?? 0) + e.costUsd;
        break;
      }
      case 'result':
        resultEvent = e;
        break;
      case 'error':
        if (e.fatal) fatal ??= e.message;
        break;
    }
  }

  const usageByModel =
    resultEvent?.usageByModel && Object.keys(resultEvent.usageByModel).length > 0 ? resultEvent.usageByModel : summed;
  const usage = Object.values(usageByModel).reduce(addUsage, ZERO_USAGE);
  if (resultEvent?.costUsd !== undefined) reportedCost = resultEvent.costUsd;

  let costUsd = reportedCost;
  let costSource: AgentRunSummary['costSource'] = reportedCost === undefined ? 'unknown' : 'agent';
  if (costUsd === undefined) {
    let priced: number | undefined = 0;
    for (const [m, u] of Object.entries(usageByModel)) {
      const c = costOf(u, m, options.prices);
      priced = c === undefined || priced === undefined ? undefined : priced + c;
    }
    if (priced !== undefined) {
      costUsd = priced;
      costSource = 'price-table';
    }
  }

  const exitFailed = options.exitCode !== undefined && options.exitCode !== null && options.exitCode !== 0;
  const ok = !exitFailed && fatal === undefined && (resultEvent ? resultEvent.ok : options.exitCode === 0);
  const error = ok
    ? undefined
    : ((resultEvent && !resultEvent.ok ? (resultEvent.error ?? resultEvent.text) : undefined) ??
      fatal ??
      (exitFailed
        ? `exited with code ${options.exitCode}`
        : options.exitCode === null
          ? 'killed by a signal'
          : 'no result yet'));

  return {
    sessionId,
    ok,
    text: resultEvent?.text ?? lastText,
    error,
    usageByModel,
    usage,
    costUsd,
    costSource,
    toolUses,
  };
}
