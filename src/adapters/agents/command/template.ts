/**
 * The command adapter's argument template: each argument has `{promptFile}`, `{model}`, `{lane}`
 * and `{worktree}` replaced on its own, so a value with spaces, quotes or `$()` stays one
 * argument and no shell ever sees it. `{{` and `}}` stand for literal braces.
 */
import { InputError } from '../../../domain/errors.js';

export const TEMPLATE_PLACEHOLDERS = ['promptFile', 'model', 'lane', 'worktree'] as const;
export type TemplateValues = Partial<Record<(typeof TEMPLATE_PLACEHOLDERS)[number], string>>;

export function expandTemplate(template: readonly string[], values: TemplateValues, what = 'agent command'): string[] {
  if (template.length === 0 || !template[0])
    throw new InputError(`${what} is empty`, {
      hint: 'give the program and its arguments, e.g. ["aider", "--message-file", "{promptFile}"]',
    });
  return template.map((arg) =>
    arg.replace(/\{\{|\}\}|\{([A-Za-z]+)\}/g, (match, name: string | undefined) => {
      if (match === '{{') return '{';
      if (match === '}}') return '}';
      if (!(TEMPLATE_PLACEHOLDERS as readonly string[]).includes(name!)) {
        throw new InputError(`${what}: unknown placeholder ${match} in ${JSON.stringify(arg)}`, {
          hint: `use ${TEMPLATE_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}, or {{ }} for literal braces`,
        });
      }
      const value = values[name as keyof TemplateValues];
      if (value === undefined)
        throw new InputError(`${what} uses ${match} but this run has no ${name}`, {
          hint: name === 'model' ? 'set phases.<phase>.model in lanes.config.json' : undefined,
        });
      return value;
    }),
  );
}

export function usesPlaceholder(template: readonly string[], name: (typeof TEMPLATE_PLACEHOLDERS)[number]): boolean {
  return template.some((a) => a.replace(/\{\{|\}\}/g, '').includes(`{${name}}`));
}
