/**
 * Gemini API, as Gemini CLI calls it with `GOOGLE_GEMINI_BASE_URL`: `POST
 * /v1beta/models/{model}:streamGenerateContent?alt=sse`, answered with `data:` lines each holding
 * a GenerateContentResponse (candidates[].content.parts with `text` or `functionCall`), the last
 * with finishReason and usageMetadata (promptTokenCount, candidatesTokenCount,
 * cachedContentTokenCount, totalTokenCount). `:generateContent` gets the same object as JSON.
 */
import type { FakeTurn } from './script.js';
import { resolveAgainst } from './script.js';
import type { ToolCall, VendorReply } from './vendor.js';

interface GeminiBody {
  contents?: { role?: string; parts?: unknown[] }[];
  systemInstruction?: unknown;
  tools?: { functionDeclarations?: { name?: string }[] }[];
}

export function geminiAssistantTurns(body: GeminiBody): number {
  return (body.contents ?? []).filter((c) => c.role === 'model').length;
}

export function geminiOffersTools(body: GeminiBody): boolean {
  return (body.tools ?? []).some((t) => (t.functionDeclarations ?? []).length > 0);
}

export function geminiToolNames(body: GeminiBody): string[] {
  return (body.tools ?? []).flatMap((t) => (t.functionDeclarations ?? []).map((f) => f.name ?? '?'));
}

// Gemini CLI lists the directory in its first user message ("**Workspace Directories:**\n  -
// <path>"); older versions said "I'm currently working in the directory: <path>".
export function geminiCwd(body: GeminiBody): string | undefined {
  const text = JSON.stringify([body.systemInstruction ?? null, body.contents ?? []]);
  return (
    /Workspace Directories:\*{0,2}(?:\\n|\s)+-\s*([^\s"\\]+)/i.exec(text)?.[1] ??
    /working in the directory:?\s*([^\s"\\]+)/i.exec(text)?.[1]
  );
}

export function geminiToolCall(body: GeminiBody, turn: FakeTurn): ToolCall | undefined {
  const cwd = geminiCwd(body);
  if (turn.kind === 'write')
    return { name: 'write_file', input: { file_path: resolveAgainst(cwd, turn.path), content: turn.content } };
  if (turn.kind === 'shell')
    return { name: 'run_shell_command', input: { command: turn.command, description: 'Scripted command' } };
  return undefined;
}

export function geminiResponse(body: GeminiBody & { model?: string }, reply: VendorReply): unknown {
  const parts: unknown[] = [];
  if (reply.text) parts.push({ text: reply.text });
  if (reply.tool) parts.push({ functionCall: { name: reply.tool.name, args: reply.tool.input } });
  const u = reply.usage;
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: u.input + u.cacheRead,
      candidatesTokenCount: u.output,
      cachedContentTokenCount: u.cacheRead,
      totalTokenCount: u.input + u.cacheRead + u.output,
    },
    modelVersion: body.model ?? 'fake',
    responseId: `fake_${reply.seq}`,
  };
}

export function geminiReply(body: GeminiBody & { model?: string }, reply: VendorReply): string[] {
  return [`data: ${JSON.stringify(geminiResponse(body, reply))}\r\n\r\n`];
}

export function geminiError(status: number, message: string): unknown {
  const name =
    status === 429
      ? 'RESOURCE_EXHAUSTED'
      : status === 400
        ? 'INVALID_ARGUMENT'
        : status === 503
          ? 'UNAVAILABLE'
          : 'INTERNAL';
  return { error: { code: status, message, status: name } };
}

export function geminiBrokenStart(_body: GeminiBody & { model?: string }, reply: VendorReply): string[] {
  const partial = {
    candidates: [{ content: { role: 'model', parts: [{ text: reply.text ?? 'Working' }] }, index: 0 }],
    responseId: `fake_${reply.seq}`,
  };
  return [`data: ${JSON.stringify(partial)}\r\n\r\n`];
}
