import { describe, expect, it } from 'vitest';
import { ISSUE_SOURCES, defaultConfig, defaultIssuesConfig } from './config-defaults.js';
import { ConfigSchema, IssuesSchema } from './config-schema.js';

describe('defaultConfig', () => {
  it('equals what the schema gives an empty config file', () => {
    expect(defaultConfig()).toStrictEqual(ConfigSchema.parse({}));
  });

  it('hands out a fresh object each time, so one command changing it cannot leak into another', () => {
    const a = defaultConfig();
    a.copy.include.push('x');
    a.ports.services.api = { base: 1 };
    expect(defaultConfig()).toStrictEqual(ConfigSchema.parse({}));
  });

  it('gives each issue source the settings the schema gives it from its name alone', () => {
    for (const source of ISSUE_SOURCES)
      expect(defaultIssuesConfig(source), source).toStrictEqual(IssuesSchema.parse({ source }));
  });
});
