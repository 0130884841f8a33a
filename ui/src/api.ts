// The page's side of the API: same-origin requests (the cookie carries the token), JSON both ways.
import type { ActionOutcome } from './types';

export async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path, { credentials: 'same-origin' });
  const body = (await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }))) as T & { error?: string };
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

export async function postJson<T>(path: string, value: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(value),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { ok: false, error: text.trim(), message: text.trim(), details: [], log: [], exitCode: 1 };
  }
  return { status: res.status, body: body as T };
}

export function laneAction(lane: string, action: string): Promise<{ status: number; body: ActionOutcome }> {
  return postJson<ActionOutcome>(`/api/lanes/${encodeURIComponent(lane)}/actions/${action}`, {});
}

export function money(usd: number | null | undefined): string {
  return usd === null || usd === undefined ? '–' : `$${usd.toFixed(usd < 1 ? 3 : 2)}`;
}

export function tokens(n: number): string {
  return n >= 1_000_000 ? `${(n / 1_000_000).toFixed(1)}M` : n >= 1000 ? `${(n / 1000).toFixed(1)}k` : String(n);
}
