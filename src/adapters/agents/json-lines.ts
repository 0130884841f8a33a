/**
 * Line-oriented JSON reading shared by the agent parsers. Agent CLIs print one JSON document per
 * line (stream-json, JSONL), sometimes one pretty-printed document (`--output-format json`), and
 * now and then a plain warning line. A line that is a whole object or array is handled at once;
 * a line opening a document that does not parse alone starts a buffer that is handled as soon as
 * it parses; anything else is not machine output and is skipped.
 */
import type { AgentOutputParser } from '../../contracts/agent-adapter.js';
import type { AgentEvent } from '../../domain/agent-events.js';

function parseDocument(text: string): unknown {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

export function createJsonLineParser(handle: (value: Record<string, unknown>) => AgentEvent[]): AgentOutputParser {
  let buffer: string[] = [];
  const handleDoc = (doc: unknown): AgentEvent[] =>
    Array.isArray(doc)
      ? doc.flatMap((d) => (typeof d === 'object' && d !== null ? handle(d as Record<string, unknown>) : []))
      : handle(doc as Record<string, unknown>);

  return {
    push(line: string): AgentEvent[] {
      const text = line.replace(/\r$/, '');
      if (/^[{[]/.test(text)) {
        const doc = parseDocument(text);
        if (doc !== undefined) {
          buffer = [];
          return handleDoc(doc);
        }
        if (buffer.length === 0) {
          buffer.push(text);
          return [];
        }
      }
      if (buffer.length === 0) return [];
      buffer.push(text);
      const doc = parseDocument(buffer.join('\n'));
      if (doc === undefined) return [];
      buffer = [];
      return handleDoc(doc);
    },
    end(): AgentEvent[] {
      buffer = [];
      return [];
    },
  };
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
export const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
