// The dashboard: a board of lanes and a page per lane (hash routes: #/ and #/lane/<name>), kept
// live by the server's event feed, with notifications in the page and, when allowed, the browser's.
import { useEffect, useState } from 'preact/hooks';
import { BoardView } from './Board';
import { LanePage } from './LanePage';
import { StatsPage } from './StatsPage';
import type { LaneEvent } from './types';

function route(): { lane: string | null; stats: boolean } {
  const m = /^#\/lane\/(.+)$/.exec(location.hash);
  return { lane: m ? decodeURIComponent(m[1]!) : null, stats: location.hash === '#/stats' };
}

export interface Feed {
  /** Increments on every change of the state: views refetch. */
  version: number;
  log: { runId: number | null; reset: boolean; lines: string[]; status: string | null } | null;
  logSeq: number;
}

export function App() {
  const [where, setWhere] = useState(route());
  const [feed, setFeed] = useState<Feed>({ version: 0, log: null, logSeq: 0 });
  const [toasts, setToasts] = useState<{ id: number; text: string; kind: string }[]>([]);
  const [allowed, setAllowed] = useState(typeof Notification !== 'undefined' && Notification.permission === 'granted');

  useEffect(() => {
    const onHash = () => setWhere(route());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  useEffect(() => {
    const source = new EventSource(`/api/events${where.lane ? `?lane=${encodeURIComponent(where.lane)}` : ''}`);
    let pending: number | undefined;
    source.addEventListener('state', (e) => {
      const data = JSON.parse((e as MessageEvent<string>).data) as { events: LaneEvent[] };
      for (const event of data.events) notify(event.message, event.kind);
      // Several commits in a row: one refetch.
      window.clearTimeout(pending);
      pending = window.setTimeout(() => setFeed((f) => ({ ...f, version: f.version + 1 })), 100);
    });
    source.addEventListener('log', (e) => {
      const log = JSON.parse((e as MessageEvent<string>).data) as Feed['log'];
      setFeed((f) => ({ ...f, log, logSeq: f.logSeq + 1 }));
    });
    source.addEventListener('notice', (e) => {
      const n = JSON.parse((e as MessageEvent<string>).data) as {
        lane: string;
        action: string;
        ok: boolean;
        message: string;
      };
      notify(`${n.action}: ${n.message}`, n.ok ? 'finished' : 'failed');
    });
    return () => {
      window.clearTimeout(pending);
      source.close();
    };
  }, [where.lane]);

  const notify = (text: string, kind: string) => {
    const id = Date.now() + Math.random();
    setToasts((t) => [...t.slice(-4), { id, text, kind }]);
    window.setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 8000);
    if (typeof Notification !== 'undefined' && Notification.permission === 'granted' && document.hidden)
      new Notification('lanes', { body: text });
  };

  return (
    <div class="app">
      <header class="top">
        <a href="#/" class="brand">
          lanes
        </a>
        {where.lane && <span class="crumb">/ {where.lane}</span>}
        <a href="#/stats" class="nav">
          Stats
        </a>
        <span class="spacer" />
        {typeof Notification !== 'undefined' && !allowed && (
          <button
            class="quiet"
            onClick={() => void Notification.requestPermission().then((p) => setAllowed(p === 'granted'))}
          >
            Enable notifications
          </button>
        )}
      </header>
      <main>
        {where.lane ? (
          <LanePage name={where.lane} feed={feed} />
        ) : where.stats ? (
          <StatsPage feed={feed} />
        ) : (
          <BoardView feed={feed} />
        )}
      </main>
      <div class="toasts" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} class={`toast ${t.kind}`} data-testid="toast">
            {t.text}
          </div>
        ))}
      </div>
    </div>
  );
}
