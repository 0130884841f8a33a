// The board: one column per state, a card per lane; refetched whenever the state changes.
import { useEffect, useState } from 'preact/hooks';
import { getJson, money, tokens } from './api';
import type { Feed } from './App';
import type { Board, Lane } from './types';

export function BoardView({ feed }: { feed: Feed }) {
  const [board, setBoard] = useState<Board | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getJson<Board>('/api/board')
      .then((b) => {
        setBoard(b);
        setError(null);
      })
      .catch((e: Error) => setError(e.message));
  }, [feed.version]);
  if (error) return <p class="error">{error}</p>;
  if (!board) return <p class="muted">Loading…</p>;
  const total = board.lanes.reduce((s, l) => s + (l.costUsd ?? 0), 0);
  return (
    <>
      <p class="summary">
        {board.lanes.length} lanes · {money(total)} spent
      </p>
      {board.lanes.length === 0 && <p class="muted">No lanes yet: lanes new &lt;issue&gt; makes one.</p>}
      <div class="board">
        {board.columns.map((c) => {
          const lanes = board.lanes.filter((l) => l.column === c.id);
          return (
            <section class={`column col-${c.id}`} data-column={c.id} key={c.id}>
              <h2>
                {c.title} <span class="count">{lanes.length}</span>
              </h2>
              {lanes.map((l) => (
                <Card lane={l} key={l.name} />
              ))}
            </section>
          );
        })}
      </div>
    </>
  );
}

function Card({ lane }: { lane: Lane }) {
  const review = lane.review;
  return (
    <a class="card" href={`#/lane/${encodeURIComponent(lane.name)}`} data-lane={lane.name}>
      <div class="card-title">
        <strong>{lane.name}</strong>
        <span class={`pill state-${lane.agentState}`}>{lane.agentState}</span>
      </div>
      <div class="card-issue">{lane.issue.title}</div>
      <div class="card-meta">
        <span>{lane.phase}</span>
        {lane.ahead !== null && <span>+{lane.ahead}</span>}
        {lane.dirty ? <span class="warn">{lane.dirty} dirty</span> : null}
        {review && (
          <span>
            r{review.round} {review.verdict}
            {review.openFindings > 0 ? ` · ${review.openFindings} open` : ''}
          </span>
        )}
        {lane.validation?.reason && <span class="warn">{lane.validation.reason}</span>}
        <span class="spacer" />
        <span>
          {tokens(lane.tokens)} tok · {money(lane.costUsd)}
        </span>
      </div>
    </a>
  );
}
