import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Adds an anchored pattern to `$GIT_COMMON_DIR/info/exclude` (shared by all worktrees); false when already there. */
export function addToInfoExclude(commonDir: string, relPath: string): boolean {
  const file = join(commonDir, 'info', 'exclude');
  const pattern = `/${relPath.replace(/^\/+/, '')}`;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    mkdirSync(join(commonDir, 'info'), { recursive: true });
  }
  if (text.split('\n').includes(pattern)) return false;
  appendFileSync(file, `${text === '' || text.endsWith('\n') ? '' : '\n'}# lanes: the lane env file\n${pattern}\n`);
  return true;
}
