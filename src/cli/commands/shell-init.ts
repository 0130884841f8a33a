import { Argument, type Command } from 'commander';
import { action, type CliRuntime } from '../command.js';

// Each function runs the real `lanes` for everything but `cd`, whose printed path it enters.
// The path is only ever a quoted variable, so no lane name or path is evaluated as code.
const SCRIPTS: Record<string, string> = {
  bash: `lanes() {
  if [ "$1" = cd ]; then
    shift
    local __lanes_dir
    __lanes_dir=$(LANES_SHELL_INTEGRATION=1 command lanes cd "$@") && builtin cd -- "$__lanes_dir"
  else
    command lanes "$@"
  fi
}
`,
  fish: `function lanes
  if test (count $argv) -ge 1; and test "$argv[1]" = cd
    set -l __lanes_dir (env LANES_SHELL_INTEGRATION=1 command lanes $argv)
    and builtin cd -- $__lanes_dir
  else
    command lanes $argv
  end
end
`,
  pwsh: `function lanes {
  $lanesExe = Get-Command lanes -CommandType Application | Select-Object -First 1
  if ($args.Count -ge 1 -and $args[0] -eq 'cd') {
    $env:LANES_SHELL_INTEGRATION = '1'
    try { $dir = & $lanesExe @args } finally { Remove-Item Env:LANES_SHELL_INTEGRATION }
    if ($LASTEXITCODE -eq 0) { Set-Location -LiteralPath $dir }
  } else {
    & $lanesExe @args
  }
}
`,
};
SCRIPTS.zsh = SCRIPTS.bash!;

export function register(program: Command, runtime: CliRuntime): void {
  program
    .command('shell-init')
    .description('print shell integration so `lanes cd <lane>` changes directory: eval "$(lanes shell-init bash)"')
    .addArgument(new Argument('<shell>').choices(['bash', 'zsh', 'fish', 'pwsh']))
    .action(
      action(
        runtime,
        async (ctx, _globals, shell: string) => {
          ctx.io.out(SCRIPTS[shell]!);
        },
        { validateConfig: false },
      ),
    );
}
