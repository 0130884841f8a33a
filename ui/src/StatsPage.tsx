// The stats page: what `lanes stats` reports (src/app/stats.ts), as charts: the parallel speed-up,
// the first-review pass rate, cost per model and what model switching saved, recurring finding
// categories and severities.
import { useEffect, useState } from 'preact/hooks';
import { getJson, money, tokens } from './api';
import type { Feed } from './App';

interface CostLine {
  runs: number;
  tokens: { total: number };
  costUsd: number;
  unpricedRuns: number;
}

interface Stats {
  lanes: {
    worked: number;
    reviewed: number;
    firstReviewApproved: number;
    firstReviewPassRate: number | null;
    meanFixRounds: number | null;
    stoppedAtRoundLimit: number;
  };
  time: { runs: number; wallMs: number; agentMs: number; speedup: number | null };
  findings: { total: number; byCategory: Record<string, number>; bySeverity: Record<string, number> };
  tokens: { total: number };
  cost: CostLine;
  byModel: (CostLine & { model: string })[];
  byPhase: (CostLine & { phase: string })[];
  modelSwitching: {
    baselineModel: string | null;
    baselineUsd: number | null;
    actualUsd: number;
    savingUsd: number | null;
    savingPercent: number | null;
  };
  /** Rules lanes heal applied (active) or retired, newest first. */
  rules: {
    id: string;
    status: string;
    category: string;
    direction: string;
    text: string;
    findings: number;
    lanes: number;
    url: string | null;
  }[];
}

function Bars({ rows, format }: { rows: [string, number][]; format: (n: number) => string }) {
  const max = Math.max(0, ...rows.map(([, v]) => v));
  if (rows.length === 0) return <p class="muted">Nothing yet.</p>;
  return (
    <div class="bars">
      {rows.map(([label, value]) => (
        <div class="bar-row" key={label}>
          <span class="bar-label">{label}</span>
          <span class="bar-track">
            <span class="bar" style={{ width: `${max > 0 ? (value / max) * 100 : 0}%` }} />
          </span>
          <span class="bar-value">{format(value)}</span>
        </div>
      ))}
    </div>
  );
}

const minutes = (ms: number) => `${(ms / 60_000).toFixed(1)} min`;
const percent = (r: number | null) => (r === null ? '–' : `${Math.round(r * 100)}%`);

export function StatsPage({ feed }: { feed: Feed }) {
  const [stats, setStats] = useState<Stats | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getJson<Stats>('/api/stats')
      .then(setStats)
      .catch((e: Error) => setError(e.message));
  }, [feed.version]);
  if (error) return <p class="error">{error}</p>;
  if (!stats) return <p class="muted">Loading…</p>;
  const s = stats.modelSwitching;
  return (
    <div class="stats">
      <div class="tiles">
        <div class="tile">
          <div class="big">{stats.time.speedup === null ? '–' : `${stats.time.speedup.toFixed(1)}×`}</div>
          parallel speed-up
        </div>
        <div class="tile">
          <div class="big">{percent(stats.lanes.firstReviewPassRate)}</div>
          first-review pass rate ({stats.lanes.firstReviewApproved}/{stats.lanes.reviewed})
        </div>
        <div class="tile">
          <div class="big">{stats.lanes.meanFixRounds === null ? '–' : stats.lanes.meanFixRounds.toFixed(1)}</div>
          fix rounds per lane
        </div>
        <div class="tile">
          <div class="big">{money(stats.cost.costUsd)}</div>
          {tokens(stats.tokens.total)} tokens, {stats.time.runs} runs
        </div>
        <div class="tile">
          <div class="big">{s.savingPercent === null ? '–' : `${Math.round(s.savingPercent)}%`}</div>
          saved by model switching
        </div>
      </div>
      <div class="grid">
        <section class="panel">
          <h2>Time</h2>
          <Bars
            rows={[
              ['wall time', stats.time.wallMs],
              ['agent time', stats.time.agentMs],
            ]}
            format={minutes}
          />
          <h2>Model switching</h2>
          <Bars
            rows={[
              ['actual', s.actualUsd],
              [`all on ${s.baselineModel ?? '–'}`, s.baselineUsd ?? 0],
            ]}
            format={(n) => money(n)}
          />
        </section>
        <section class="panel">
          <h2>Cost per model</h2>
          <Bars rows={stats.byModel.map((m) => [m.model, m.costUsd])} format={(n) => money(n)} />
          <h2>Cost per phase</h2>
          <Bars rows={stats.byPhase.map((p) => [p.phase, p.costUsd])} format={(n) => money(n)} />
        </section>
        <section class="panel">
          <h2>Recurring finding categories</h2>
          <Bars
            rows={Object.entries(stats.findings.byCategory)
              .filter(([, n]) => n > 0)
              .sort((a, b) => b[1] - a[1])}
            format={String}
          />
        </section>
        <section class="panel">
          <h2>Findings by severity</h2>
          <Bars rows={Object.entries(stats.findings.bySeverity)} format={String} />
        </section>
        <section class="panel" data-testid="healed-rules">
          <h2>Rules healing applied</h2>
          {stats.rules.length === 0 ? (
            <p class="muted">None yet: lanes heal proposes rules from findings that recur.</p>
          ) : (
            <ul class="rules">
              {stats.rules.map((r) => (
                <li key={r.id}>
                  <code>{r.id}</code> <span class="muted">{r.status}</span> {r.text}{' '}
                  <span class="muted">
                    ({r.direction} · {r.category} · {r.findings} finding{r.findings === 1 ? '' : 's'} in {r.lanes} lane
                    {r.lanes === 1 ? '' : 's'})
                  </span>
                  {r.url ? (
                    <>
                      {' '}
                      <a href={r.url}>change</a>
                    </>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
    </div>
  );
}
