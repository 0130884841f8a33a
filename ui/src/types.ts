// The JSON the dashboard's API answers (src/app/ui/dashboard-data.ts and server.ts), as the page reads it.

export type Severity = 'blocker' | 'major' | 'minor' | 'nit';

export interface Column {
  id: string;
  title: string;
}

export interface Lane {
  name: string;
  issue: { id: string; title: string; url?: string | null };
  branch: string;
  base: string;
  path: string;
  ports: Record<string, number>;
  database: { provider: string; name: string; url?: string } | null;
  column: string;
  phase: string;
  agentState: string;
  agent: {
    agent: string;
    model: string | null;
    status: string;
    tokens: number;
    costUsd: number | null;
    phase: string;
  } | null;
  validation?: { state: string; round: number; reason: string | null } | null;
  review: { verdict: string; round: number; findings: number; openFindings: number; reviewers: string[] } | null;
  pr: { kind: string; number: number | null; url: string | null } | null;
  rounds: Round[];
  tokens: number;
  costUsd: number | null;
  ahead: number | null;
  behind: number | null;
  dirty: number | null;
  missing: boolean;
}

export interface Round {
  round: number;
  verdict: string;
  head: string;
  findings: Record<Severity, number>;
  reviewers: string[];
  tokens: number;
  costUsd: number | null;
  durationMs: number;
}

export interface Board {
  columns: Column[];
  lanes: Lane[];
}

export interface Finding {
  id: string;
  severity: Severity;
  category: string;
  file: string | null;
  line: number | null;
  endLine: number | null;
  message: string;
  suggestion: string | null;
  reviewers: string[];
}

export interface Answer {
  finding: string;
  status: string;
  commit: string | null;
  reason: string | null;
}

export interface Comment {
  id: string;
  file: string;
  line: number;
  endLine: number | null;
  severity: Severity;
  body: string;
  createdAt: string;
  answer: Answer | null;
}

export interface Run {
  id: number;
  phase: string;
  agent: string;
  model: string | null;
  status: string;
  reason: string | null;
  startedAt: string;
  durationMs: number | null;
  tokens: number;
  costUsd: number | null;
}

export interface LaneDetail {
  lane: Lane;
  issue: { id: string; title: string; body: string; labels: string[]; criteria: string[]; url: string | null };
  issueError: string | null;
  verdict: {
    round: number;
    verdict: string;
    head: string;
    findings: Finding[];
    audit: { criteria: { text: string; status: string; evidence: string[] }[]; scopeDrift: string[] };
    reviewers: string[];
  } | null;
  answers: Answer[];
  comments: Comment[];
  runs: Run[];
}

export interface DiffLine {
  kind: 'add' | 'del' | 'ctx';
  old: number | null;
  new: number | null;
  text: string;
}

export interface DiffFile {
  path: string;
  oldPath: string | null;
  status: string;
  binary: boolean;
  hunks: { header: string; lines: DiffLine[] }[];
}

export interface Diff {
  files: DiffFile[];
  truncated: boolean;
  error: string | null;
}

export interface LaneEvent {
  kind: 'finished' | 'failed' | 'needs-input' | 'approved';
  lane: string;
  message: string;
}

export interface ActionOutcome {
  ok: boolean;
  message: string;
  exitCode: number;
  details: string[];
  log: string[];
}
