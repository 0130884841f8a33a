/** Test helper: feed a recorded output file through a parser, line by line, as a runner would. */
import { readFileSync } from 'node:fs';
import type { AgentEvent, AgentOutputParser } from '../../contracts/agent-adapter.js';

export function parseRecorded(parser: AgentOutputParser, url: URL): AgentEvent[] {
  const events: AgentEvent[] = [];
  for (const line of readFileSync(url, 'utf8').split('\n')) events.push(...parser.push(line));
  events.push(...parser.end());
  return events;
}
