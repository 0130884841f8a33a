// A lane's page: actions, the issue, the live agent log, the diff with findings and comments in
// place, the findings by severity, the spec audit, rounds, runs with tokens and cost, ports and database.
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, laneAction, money, tokens } from './api';
import type { Feed } from './App';
import { DiffView } from './Diff';
import type { ActionOutcome, Diff, Finding, LaneDetail, Severity } from './types';

const SEVERITIES: Severity[] = ['blocker', 'major', 'minor', 'nit'];

const ACTIONS: { id: string; label: string; question: (lane: string) => string; danger?: boolean }[] = [
  { id: 'start', label: 'Start', question: (l) => `Start the implementing agent in ${l}?` },
  { id: 'stop', label: 'Stop', question: (l) => `Stop the agent running in ${l}?` },
  { id: 'pr', label: 'Open PR', question: (l) => `Push ${l} and open its pull request (or local review request)?` },
  { id: 'review', label: 'Review', question: (l) => `Start a fresh-context review of ${l}?` },
  { id: 'fix', label: 'Fix', question: (l) => `Give the open findings and comments of ${l} to a new fix session?` },
  {
    id: 'rm',
    label: 'Remove',
    question: (l) => `Remove lane ${l} (worktree, branch, ports, database)? Lanes refuses when work would be lost.`,
    danger: true,
  },
];

export function LanePage({ name, feed }: { name: string; feed: Feed }) {
  const [detail, setDetail] = useState<LaneDetail | null>(null);
  const [diff, setDiff] = useState<Diff | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<ActionOutcome | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [log, setLog] = useState<string[]>([]);
  const logBox = useRef<HTMLPreElement>(null);

  useEffect(() => {
    const base = `/api/lanes/${encodeURIComponent(name)}`;
    getJson<LaneDetail>(base)
      .then((d) => {
        setDetail(d);
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
    getJson<Diff>(`${base}/diff`)
      .then(setDiff)
      .catch(() => setDiff(null));
  }, [name, feed.version, reload]);

  useEffect(() => {
    const chunk = feed.log;
    if (!chunk) return;
    setLog((lines) => [...(chunk.reset ? [] : lines), ...chunk.lines].slice(-2000));
  }, [feed.logSeq]);
  useEffect(() => {
    const box = logBox.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, [log]);

  if (error) return <p class="error">{error}</p>;
  if (!detail) return <p class="muted">Loading…</p>;
  const { lane, issue, verdict } = detail;

  const act = async (id: string, question: string) => {
    if (!window.confirm(question)) return;
    setBusy(id);
    try {
      const { body } = await laneAction(name, id);
      setOutcome(body);
      if (id === 'rm' && body.ok) location.hash = '#/';
    } catch (e) {
      setOutcome({ ok: false, message: (e as Error).message, exitCode: 1, details: [], log: [] });
    } finally {
      setBusy(null);
      setReload((r) => r + 1);
    }
  };

  const findings = verdict?.findings ?? [];
  const answerOf = (id: string) => [...detail.answers].reverse().find((a) => a.finding === id);
  return (
    <div class="lane">
      <div class="lane-head">
        <h1>
          {lane.name} <span class="muted">#{issue.id}</span> {issue.title}
        </h1>
        <div class="facts">
          <span class={`pill state-${lane.agentState}`}>{lane.agentState}</span>
          <span>{lane.phase}</span>
          {lane.validation && (
            <span>
              {lane.validation.state} (round {lane.validation.round})
            </span>
          )}
          <span>
            {lane.branch} ← {lane.base}
          </span>
          {lane.ahead !== null && (
            <span>
              +{lane.ahead} −{lane.behind}
            </span>
          )}
          {lane.dirty ? <span class="warn">{lane.dirty} uncommitted</span> : null}
          <span>
            {tokens(lane.tokens)} tokens · {money(lane.costUsd)}
          </span>
          {lane.pr?.url && (
            <a href={lane.pr.url} target="_blank" rel="noreferrer noopener">
              PR #{lane.pr.number}
            </a>
          )}
        </div>
        <div class="actions">
          {ACTIONS.map((a) => (
            <button
              key={a.id}
              class={a.danger ? 'danger' : ''}
              data-action={a.id}
              disabled={busy !== null}
              onClick={() => void act(a.id, a.question(lane.name))}
            >
              {busy === a.id ? `${a.label}…` : a.label}
            </button>
          ))}
        </div>
        {outcome && (
          <div class={`outcome ${outcome.ok ? 'ok' : 'refused'}`} role="alert" data-testid="outcome">
            <strong>{outcome.message}</strong>
            {outcome.details.map((d) => (
              <div key={d}>{d}</div>
            ))}
            <button class="quiet close" onClick={() => setOutcome(null)} aria-label="dismiss">
              ×
            </button>
          </div>
        )}
      </div>

      <div class="grid">
        <section class="panel">
          <h2>Issue</h2>
          {detail.issueError && <p class="warn">{detail.issueError}</p>}
          <pre class="issue-body">{issue.body || '(no description)'}</pre>
          {issue.criteria.length > 0 && (
            <ul>
              {issue.criteria.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          )}
        </section>
        <section class="panel">
          <h2>Agent log</h2>
          <pre class="log" ref={logBox} data-testid="log">
            {log.length === 0 ? '(no output yet)' : log.join('\n')}
          </pre>
        </section>
      </div>

      <section class="panel">
        <h2>
          Findings{' '}
          {verdict && (
            <span class="muted">
              round {verdict.round}: {verdict.verdict}
            </span>
          )}
        </h2>
        {findings.length === 0 && detail.comments.length === 0 && <p class="muted">No findings.</p>}
        {SEVERITIES.map((s) => {
          const list = findings.filter((f) => f.severity === s);
          return list.length === 0 ? null : (
            <div key={s}>
              <h3 class={`sev sev-${s}`}>
                {s} ({list.length})
              </h3>
              {list.map((f) => (
                <FindingRow key={f.id} finding={f} answer={answerOf(f.id)?.status} />
              ))}
            </div>
          );
        })}
        {detail.comments.length > 0 && (
          <div>
            <h3>Your comments</h3>
            {detail.comments.map((c) => (
              <div class="finding" key={c.id} data-testid="comment">
                <span class="fid">{c.id}</span> <span class={`sev sev-${c.severity}`}>{c.severity}</span>{' '}
                <code>
                  {c.file}:{c.line}
                  {c.endLine ? `-${c.endLine}` : ''}
                </code>{' '}
                {c.body}{' '}
                <span class="muted">{c.answer ? `· ${c.answer.status}` : '· open: the next fix round gets it'}</span>
              </div>
            ))}
          </div>
        )}
      </section>

      {verdict && verdict.audit.criteria.length + verdict.audit.scopeDrift.length > 0 && (
        <section class="panel">
          <h2>Spec audit</h2>
          <table>
            <thead>
              <tr>
                <th>Criterion</th>
                <th>Status</th>
                <th>Evidence</th>
              </tr>
            </thead>
            <tbody>
              {verdict.audit.criteria.map((c) => (
                <tr key={c.text}>
                  <td>{c.text}</td>
                  <td class={`audit-${c.status}`}>{c.status}</td>
                  <td>{c.evidence.join(', ')}</td>
                </tr>
              ))}
              {verdict.audit.scopeDrift.map((d) => (
                <tr key={d}>
                  <td>{d}</td>
                  <td class="audit-unmet">scope drift</td>
                  <td />
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}

      <section class="panel">
        <h2>Diff</h2>
        {diff?.error && <p class="muted">{diff.error}</p>}
        {diff?.truncated && <p class="warn">The diff is large; only its start is shown.</p>}
        {diff && (
          <DiffView
            lane={name}
            files={diff.files}
            findings={findings}
            comments={detail.comments}
            onComment={() => setReload((r) => r + 1)}
          />
        )}
      </section>

      <div class="grid">
        <section class="panel">
          <h2>Rounds</h2>
          {lane.rounds.length === 0 ? (
            <p class="muted">No review yet.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Round</th>
                  <th>Verdict</th>
                  <th>Findings</th>
                  <th>Reviewers</th>
                  <th>Tokens</th>
                  <th>Cost</th>
                </tr>
              </thead>
              <tbody>
                {lane.rounds.map((r) => (
                  <tr key={r.round}>
                    <td>{r.round}</td>
                    <td>{r.verdict}</td>
                    <td>{SEVERITIES.map((s) => (r.findings[s] ? `${r.findings[s]} ${s} ` : '')).join('') || '0'}</td>
                    <td>{r.reviewers.join(', ')}</td>
                    <td>{tokens(r.tokens)}</td>
                    <td>{money(r.costUsd)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Ports and database</h2>
          <p>
            {Object.entries(lane.ports).map(([s, p]) => (
              <code key={s}>
                {s}:{p}{' '}
              </code>
            ))}
            {lane.database ? (
              <code>
                {lane.database.provider}:{lane.database.name}
              </code>
            ) : (
              <span class="muted">no database branch</span>
            )}
          </p>
        </section>
        <section class="panel">
          <h2>Runs</h2>
          <table>
            <thead>
              <tr>
                <th>#</th>
                <th>Phase</th>
                <th>Agent</th>
                <th>Status</th>
                <th>Time</th>
                <th>Tokens</th>
                <th>Cost</th>
              </tr>
            </thead>
            <tbody>
              {detail.runs.map((r) => (
                <tr key={r.id} title={r.reason ?? ''}>
                  <td>{r.id}</td>
                  <td>{r.phase}</td>
                  <td>
                    {r.agent}
                    {r.model ? ` (${r.model})` : ''}
                  </td>
                  <td>{r.status}</td>
                  <td>{r.durationMs === null ? '–' : `${Math.round(r.durationMs / 1000)}s`}</td>
                  <td>{tokens(r.tokens)}</td>
                  <td>{money(r.costUsd)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
    </div>
  );
}

function FindingRow({ finding, answer }: { finding: Finding; answer: string | undefined }) {
  return (
    <div class="finding">
      <span class="fid">{finding.id}</span> <span class="muted">[{finding.category}]</span>{' '}
      {finding.file && (
        <code>
          {finding.file}
          {finding.line ? `:${finding.line}` : ''}
        </code>
      )}{' '}
      {finding.message} <span class="muted">— {finding.reviewers.join(' + ')}</span>
      {answer && <span class="pill">{answer}</span>}
    </div>
  );
}
