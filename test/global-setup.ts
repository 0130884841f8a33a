/**
 * Once per `vitest run`: the tests get a temporary folder of their own (TMPDIR, TMP and TEMP point
 * into a fresh `lanes-vitest-*` folder, inherited by every worker and every process they start),
 * and at the end whatever is still in it is a leftover of this run: the run fails and names it.
 * Other sessions' files in the system temporary folder are never counted, because this run's
 * folder starts empty. New `lanes-*`-like entries in the system folder itself (something that
 * ignored TMPDIR, or another process) are listed as a warning.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

const OURS = /^(lanes-|fake-model-|gemini-client-error-)/;
const VARIABLES = ['TMPDIR', 'TMP', 'TEMP'] as const;

export default function setup(): () => void {
  const systemTmp = tmpdir();
  const before = new Set(readdirSync(systemTmp));
  const runTmp = mkdtempSync(join(systemTmp, 'lanes-vitest-'));
  // Others may pass through, not list: PostgreSQL test clusters run as the postgres user when root.
  chmodSync(runTmp, 0o711);
  const saved = VARIABLES.map((v) => [v, process.env[v]] as const);
  for (const v of VARIABLES) process.env[v] = runTmp;

  return () => {
    for (const [v, value] of saved) {
      if (value === undefined) delete process.env[v];
      else process.env[v] = value;
    }
    const left = readdirSync(runTmp);
    rmSync(runTmp, { recursive: true, force: true });
    const outside = readdirSync(systemTmp).filter(
      (name) => !before.has(name) && OURS.test(name) && name !== basename(runTmp),
    );
    if (outside.length > 0) {
      console.warn(
        `new in ${systemTmp} during the tests (from something that ignored TMPDIR, or another process): ${outside.join(', ')}`,
      );
    }
    if (left.length > 0) {
      process.exitCode = 1;
      throw new Error(
        `the tests left ${left.length} entr${left.length === 1 ? 'y' : 'ies'} in the temporary folder (now removed): ${left.sort().join(', ')}`,
      );
    }
  };
}
