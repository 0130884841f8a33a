/** The scripted conversation every real-CLI test starts with: write a file, commit it, say done. */
import type { FakeScript } from '../../fakes/model-server/index.js';

export const COMMIT_MESSAGE = 'Add hello.txt';
export const FILE_CONTENT = 'hello from the scripted model\n';

export function writeAndCommitScript(): FakeScript {
  return {
    usage: { input: 1000, output: 200, cacheRead: 0, cacheWrite: 0 },
    turns: [
      { kind: 'write', path: 'hello.txt', content: FILE_CONTENT, text: 'I will create hello.txt.' },
      { kind: 'shell', command: `git add -A && git commit -q -m "${COMMIT_MESSAGE}"` },
      { kind: 'text', text: 'Committed hello.txt.' },
    ],
  };
}
