// @ts-check
// Lint for src, test, bench and scripts: typescript-eslint's type-aware rules, because the mistakes
// that cost the most here (a promise nobody awaits, a misused async callback) need types to see.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/agents/**', '.bench/**', 'schema/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  { languageOptions: { globals: { ...globals.node } } },
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.mjs', 'bench/*.mjs', 'bench/lib/*.mjs', 'scripts/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // Lines at most 120 characters; a long message or pattern stays whole (splitting it hides it from grep).
      'max-len': [
        'error',
        {
          code: 120,
          ignoreStrings: true,
          ignoreTemplateLiterals: true,
          ignoreRegExpLiterals: true,
          ignoreUrls: true,
          ignorePattern: '@(typedef|type|param|returns) ',
        },
      ],
      // Matching control characters is the point of the terminal-text and env-value code.
      'no-control-regex': 'off',
      // An async function without await is how an interface's async method is implemented synchronously.
      '@typescript-eslint/require-await': 'off',
    },
  },
  // expect(obj.method).toHaveBeenCalled() and friends pass methods unbound on purpose.
  // Tests read JSON and use expect.any(): the no-unsafe rules guard production code from `any`, not assertions.
  {
    files: ['test/**/*.ts', 'src/**/*.test.ts'],
    rules: {
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  // A benchmark's best-effort cleanup (unmounting a tmpfs that may be gone) may ignore its error.
  { files: ['bench/**/*.mjs', 'scripts/**/*.mjs'], rules: { 'no-empty': ['error', { allowEmptyCatch: true }] } },
  // Plain JavaScript (benches, scripts) is checked by tsc through // @ts-check, not by the type-aware rules.
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
);
