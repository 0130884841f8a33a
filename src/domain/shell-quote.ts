/**
 * Quoting for commands lanes prints for a user to paste. POSIX single quotes make every byte
 * literal, so a strange branch or path cannot run anything when pasted.
 */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(args: readonly string[]): string {
  return args.map(shellQuote).join(' ');
}
