// The diff by file, highlighted, with findings and comments under the lines they point at. Lines
// of the lane's side are selected by clicking their number (shift-click extends the selection);
// a comment on the selection becomes a finding of reviewer "you" for the next fix round.
import { useState } from 'preact/hooks';
import { postJson } from './api';
import { highlightLine, languageOf } from './highlight';
import type { Comment, DiffFile, Finding, Severity } from './types';

interface Selection {
  file: string;
  from: number;
  to: number;
}

export function DiffView(props: {
  lane: string;
  files: DiffFile[];
  findings: Finding[];
  comments: Comment[];
  onComment: () => void;
}) {
  const [selection, setSelection] = useState<Selection | null>(null);
  if (props.files.length === 0) return <p class="muted">No changes against the base.</p>;
  return (
    <div class="diff">
      <p class="muted">Click a line number to select it (shift-click for a range), then comment.</p>
      {props.files.map((file) => (
        <FileDiff key={file.path} {...props} file={file} selection={selection} setSelection={setSelection} />
      ))}
    </div>
  );
}

function FileDiff(props: {
  lane: string;
  file: DiffFile;
  findings: Finding[];
  comments: Comment[];
  selection: Selection | null;
  setSelection: (s: Selection | null) => void;
  onComment: () => void;
}) {
  const { file, selection } = props;
  const language = languageOf(file.path);
  const findingsAt = (line: number) => props.findings.filter((f) => f.file === file.path && f.line === line);
  const commentsAt = (line: number) =>
    props.comments.filter((c) => c.file === file.path && (c.endLine ?? c.line) === line);
  const elsewhere = props.findings.filter(
    (f) => f.file === file.path && (f.line === null || !file.hunks.some((h) => h.lines.some((l) => l.new === f.line))),
  );
  const selected = (n: number | null) =>
    n !== null && selection?.file === file.path && n >= selection.from && n <= selection.to;
  const pick = (n: number, extend: boolean) => {
    if (extend && selection?.file === file.path)
      props.setSelection({ file: file.path, from: Math.min(selection.from, n), to: Math.max(selection.to, n) });
    else props.setSelection({ file: file.path, from: n, to: n });
  };
  return (
    <div class="file" data-file={file.path}>
      <div class="file-head">
        <strong>{file.path}</strong> <span class="muted">{file.status}</span>
      </div>
      {file.binary && <p class="muted">binary file</p>}
      {elsewhere.map((f) => (
        <InlineFinding key={f.id} finding={f} />
      ))}
      <table class="code">
        <tbody>
          {file.hunks.map((h, hi) => [
            <tr class="hunk" key={`h${hi}`}>
              <td colSpan={3}>{h.header}</td>
            </tr>,
            ...h.lines.map((l, li) => {
              const n = l.new;
              const rows = [
                <tr key={`${hi}-${li}`} class={`line ${l.kind}${selected(n) ? ' selected' : ''}`}>
                  <td class="num">{l.old ?? ''}</td>
                  <td
                    class={`num${n !== null ? ' pickable' : ''}`}
                    data-line={n ?? undefined}
                    onClick={(e) => n !== null && pick(n, e.shiftKey)}
                  >
                    {n ?? ''}
                  </td>
                  <td class="text">
                    <span class="sign">{l.kind === 'add' ? '+' : l.kind === 'del' ? '-' : ' '}</span>
                    <span dangerouslySetInnerHTML={{ __html: highlightLine(l.text, language) }} />
                  </td>
                </tr>,
              ];
              if (n !== null) {
                for (const f of findingsAt(n))
                  rows.push(
                    <tr key={`${hi}-${li}-${f.id}`} class="note">
                      <td colSpan={3}>
                        <InlineFinding finding={f} />
                      </td>
                    </tr>,
                  );
                for (const c of commentsAt(n))
                  rows.push(
                    <tr key={`${hi}-${li}-${c.id}`} class="note">
                      <td colSpan={3}>
                        <div class="inline-finding comment" data-testid="inline-comment">
                          <span class="fid">{c.id}</span> <span class={`sev sev-${c.severity}`}>{c.severity}</span> you:{' '}
                          {c.body}
                        </div>
                      </td>
                    </tr>,
                  );
                if (selection?.file === file.path && selection.to === n)
                  rows.push(
                    <tr key={`${hi}-${li}-form`} class="note">
                      <td colSpan={3}>
                        <CommentForm
                          lane={props.lane}
                          selection={selection}
                          onDone={(saved) => {
                            props.setSelection(null);
                            if (saved) props.onComment();
                          }}
                        />
                      </td>
                    </tr>,
                  );
              }
              return rows;
            }),
          ])}
        </tbody>
      </table>
    </div>
  );
}

function InlineFinding({ finding }: { finding: Finding }) {
  return (
    <div class={`inline-finding sev-border-${finding.severity}`} data-testid="inline-finding">
      <span class="fid">{finding.id}</span> <span class={`sev sev-${finding.severity}`}>{finding.severity}</span>{' '}
      <span class="muted">
        {finding.category} · {finding.reviewers.join(' + ')}
        {finding.line ? ` · line ${finding.line}${finding.endLine ? `-${finding.endLine}` : ''}` : ''}
      </span>
      <div>{finding.message}</div>
      {finding.suggestion && <div class="muted">Suggestion: {finding.suggestion}</div>}
    </div>
  );
}

function CommentForm(props: { lane: string; selection: Selection; onDone: (saved: boolean) => void }) {
  const [body, setBody] = useState('');
  const [severity, setSeverity] = useState<Severity>('major');
  const [error, setError] = useState<string | null>(null);
  const { file, from, to } = props.selection;
  const submit = async () => {
    const { status, body: answer } = await postJson<{ error?: string }>(
      `/api/lanes/${encodeURIComponent(props.lane)}/comments`,
      { file, line: from, endLine: to === from ? null : to, body, severity },
    );
    if (status === 201) props.onDone(true);
    else setError(answer.error ?? `failed (${status})`);
  };
  return (
    <form
      class="comment-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <div class="muted">
        Comment on {file}:{from}
        {to !== from ? `-${to}` : ''} (the next fix round gets it as a finding)
      </div>
      <textarea
        value={body}
        onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)}
        placeholder="What should change here?"
        rows={3}
        required
      />
      <div class="row">
        <select value={severity} onChange={(e) => setSeverity((e.target as HTMLSelectElement).value as Severity)}>
          {(['blocker', 'major', 'minor', 'nit'] as const).map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <button type="submit">Comment</button>
        <button type="button" class="quiet" onClick={() => props.onDone(false)}>
          Cancel
        </button>
        {error && <span class="error">{error}</span>}
      </div>
    </form>
  );
}
