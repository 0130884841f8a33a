/**
 * The one schema of `lanes.config.json`. The JSON Schema shipped for editors is generated from it
 * (`src/infra/gen-schema.ts`), so the two cannot drift. Objects are strict: an unknown key is an
 * error that names the nearest valid key, because a typo silently ignored is a setting silently lost.
 */
import { DEFAULT_DISPOSABLE } from '../domain/disposable.js';
import { PHASES } from '../domain/phases.js';
import { AGENT_ADAPTER_NAMES } from '../adapters/agents/names.js';
import { RUNNER_NAMES } from '../adapters/runners/names.js';
import { z } from 'zod';

const portNumber = z.number().int().min(1).max(65535);
const commandList = z
  .array(z.string().min(1))
  .describe(
    'Shell commands run in the lane with its environment; each runs only after you approved that exact text once.',
  );

export const PortServiceSchema = z.strictObject({
  base: portNumber.describe("First port of this service's range."),
  range: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .optional()
    .describe('How many ports the range holds (default: ports.range).'),
});

export const PortsSchema = z.strictObject({
  base: portNumber
    .default(4000)
    .describe("Base of the default service's range: port = base + sha1(lane)[0:4] % range."),
  range: z.number().int().min(1).max(65535).default(1000),
  services: z
    .record(
      z.string().regex(/^[a-z][a-z0-9_-]*$/, 'service names are lower-case letters, digits, _ and -'),
      PortServiceSchema.partial(),
    )
    .default({ web: {} })
    .describe('Named ports. The first one is PORT; each is also PORT_<NAME>. A service without base uses ports.base.'),
});

export const TemplatesSchema = z.strictObject({
  lane: z
    .string()
    .min(1)
    .default('{ref}')
    .describe('Lane name. Variables: {ref} (issue-123, eng-42), {id}, {slug} (from the title).'),
  branch: z.string().min(1).default('{lane}').describe('Branch name. Variable: {lane}.'),
  worktree: z
    .string()
    .min(1)
    .default('{repoParent}/{repo}-worktrees/{lane}')
    .describe('Worktree directory. Variables: {repoParent}, {repo}, {repoRoot}, {lane}.'),
});

export const CopySchema = z.strictObject({
  include: z
    .array(z.string().min(1))
    .default(['.env*'])
    .describe('Git pathspec globs of gitignored files copied from the main worktree into each lane.'),
  exclude: z.array(z.string().min(1)).default(['.env.example']),
});

export const HooksSchema = z.strictObject({
  postCreate: commandList.default([]),
  preRemove: commandList.default([]),
});

export const NotifySchema = z.strictObject({
  command: z
    .string()
    .min(1)
    .optional()
    .describe(
      'A command run (through sh, approved once like other hooks) for each notification of lanes run and lanes watch: a lane finished, failed, needs input or was approved. The event arrives in LANES_EVENT, LANES_LANE and LANES_MESSAGE, never in the command text.',
    ),
});

export const WriteBackSchema = z.strictObject({
  onStart: z.boolean().default(false).describe('Comment on the issue when a lane starts.'),
  onPullRequest: z.boolean().default(false).describe('Comment with the link when the pull request opens.'),
  onVerdict: z.boolean().default(false).describe('Comment when review gives a verdict.'),
  moveTo: z
    .string()
    .min(1)
    .optional()
    .describe(
      'Move the issue to this state when its lane starts (GitHub: open or closed; Linear: a workflow state name; Jira: a status or transition name).',
    ),
});

const LocalIssues = z.strictObject({
  source: z.literal('local'),
  dir: z.string().min(1).default('issues'),
  writeBack: WriteBackSchema.optional(),
});
const GithubIssues = z.strictObject({
  source: z.literal('github'),
  repo: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, 'repo is "owner/name"')
    .optional()
    .describe('The repository, "owner/name"; default: $GITHUB_REPOSITORY, else the origin remote.'),
  baseUrl: z.string().url().optional().describe('GitHub Enterprise API URL, e.g. https://ghe.example.com/api/v3'),
  writeBack: WriteBackSchema.optional(),
});
const LinearIssues = z.strictObject({
  source: z.literal('linear'),
  team: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]*$/, 'team is the team key, e.g. ENG')
    .optional()
    .describe('Team key (ENG): issues of other teams are refused and 42 means ENG-42; default: all teams.'),
  apiUrl: z.string().url().optional().describe('GraphQL endpoint; default https://api.linear.app/graphql'),
  writeBack: WriteBackSchema.optional(),
});
const JiraIssues = z.strictObject({
  source: z.literal('jira'),
  host: z.string().url().optional().describe('Site URL, e.g. https://acme.atlassian.net; default: $JIRA_HOST.'),
  project: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'project is the project key, e.g. PROJ')
    .optional()
    .describe('Project key (PROJ): issues of other projects are refused and 42 means PROJ-42; default: all projects.'),
  apiVersion: z
    .union([z.literal(2), z.literal(3)])
    .default(3)
    .describe('REST API version: 3 for Jira Cloud, 2 for Jira Data Center / Server.'),
  writeBack: WriteBackSchema.optional(),
});

export const IssuesSchema = z.discriminatedUnion('source', [LocalIssues, GithubIssues, LinearIssues, JiraIssues]);
export { ISSUE_SOURCES } from './config-defaults.js';

const afterBranch = z
  .string()
  .min(1)
  .optional()
  .describe('Command (migrations) run in the lane after the database is branched; approved once.');
export const DatabaseSchema = z.discriminatedUnion('provider', [
  z.strictObject({ provider: z.literal('none') }),
  z.strictObject({
    provider: z.literal('sqlite'),
    path: z.string().min(1).describe('The main database file, relative to the repository.'),
    afterBranch,
  }),
  z.strictObject({
    provider: z.literal('postgres'),
    url: z.string().optional().describe('Server URL; default: $DATABASE_URL of the main worktree environment.'),
    template: z.string().min(1).describe('The main database, copied with CREATE DATABASE … TEMPLATE.'),
    terminateConnections: z
      .boolean()
      .default(false)
      .describe('Terminate sessions on the template when they block branching.'),
    strategy: z
      .enum(['file_copy', 'wal_log'])
      .default('file_copy')
      .describe(
        'How PostgreSQL 15+ copies the template: file_copy (copies the files after a checkpoint; fastest for a dev database) or wal_log (writes every block to the WAL).',
      ),
    afterBranch,
  }),
  z.strictObject({
    provider: z.literal('neon'),
    projectId: z.string().min(1),
    parentBranch: z
      .string()
      .min(1)
      .optional()
      .describe("Parent branch id or name; default: the project's default branch."),
    database: z.string().optional(),
    role: z.string().optional(),
    apiUrl: z.string().url().optional(),
    afterBranch,
  }),
]);

export const DependenciesSchema = z.strictObject({
  enabled: z.boolean().default(true),
  dirs: z
    .array(z.string().min(1))
    .optional()
    .describe('Folders cloned from the main worktree (default: by package manager, e.g. node_modules).'),
  install: z
    .boolean()
    .default(true)
    .describe(
      "Run the package manager's frozen install when the lockfile differs (or nothing is installed to clone); it runs the packages' install scripts, so each install command runs only after you approved its exact text once. false: never install.",
    ),
});

const runnerName = z
  .string()
  .min(1)
  .describe(`A runner: ${RUNNER_NAMES.join(', ')}, or a name under "runners" (Kubernetes, SSH).`);

export const PhaseSchema = z.strictObject({
  agent: z.string().min(1).optional(),
  runner: runnerName.optional(),
  agents: z
    .array(z.string().min(1))
    .min(2)
    .optional()
    .describe('review only: the reviewers of lanes review --adversarial (default: claude and codex).'),
  model: z.string().min(1).optional(),
  timeoutMinutes: z.number().positive().optional(),
});

export const AgentSchema = z.strictObject({
  adapter: z.enum(AGENT_ADAPTER_NAMES).optional(),
  command: z
    .array(z.string())
    .optional()
    .describe('For the command adapter: argument template with {promptFile}, {model}, {lane}.'),
  bin: z.string().optional().describe("Executable to run instead of the adapter's default."),
  model: z
    .string()
    .min(1)
    .optional()
    .describe(
      "This agent's model when the phase names none for it (phases.<phase>.model belongs to phases.<phase>.agent).",
    ),
  env: z.record(z.string(), z.string()).optional(),
  runner: runnerName.optional(),
});

export const KubernetesRunnerSchema = z.strictObject({
  type: z.literal('kubernetes'),
  namespace: z.string().min(1).default('default'),
  image: z
    .string()
    .min(1)
    .describe('An image with git, Node and the agent CLIs (docker/agent.Dockerfile is a sample).'),
  resources: z
    .strictObject({ cpu: z.string().min(1).optional(), memory: z.string().min(1).optional() })
    .optional()
    .describe('Requests and limits of the agent container, e.g. { "cpu": "1", "memory": "1Gi" }.'),
  secretName: z
    .string()
    .min(1)
    .optional()
    .describe(
      "The Secret whose keys become the agent's environment (API keys, git credentials); never in the Job spec.",
    ),
  serviceAccount: z.string().min(1).optional(),
  context: z
    .string()
    .min(1)
    .optional()
    .describe('The kubeconfig context; default: the current one, as kubectl finds it.'),
  remote: z.string().min(1).default('origin').describe('The git remote the lane is pushed to and fetched from.'),
});

export const SshRunnerSchema = z.strictObject({
  type: z.literal('ssh'),
  host: z.string().min(1).describe('A host as ssh knows it (its config, keys and known_hosts apply).'),
  user: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  path: z
    .string()
    .min(1)
    .optional()
    .describe('Where lanes keeps its clones and runs on the host; default ~/.lanes-runner.'),
  remote: z.string().min(1).default('origin').describe('The git remote the lane is pushed to and fetched from.'),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'variable names are letters, digits and _'), z.string())
    .optional()
    .describe(
      'Variables set for every command lanes runs on the host, taken literally (e.g. a PATH that finds git, node and the agent CLIs there). Sent in the ssh command line: never put a secret here.',
    ),
});

export const RunnersSchema = z
  .record(
    z.string().regex(/^[a-z][a-z0-9_-]*$/, 'runner names are lower-case letters, digits, _ and -'),
    z.discriminatedUnion('type', [KubernetesRunnerSchema, SshRunnerSchema]),
  )
  .default({})
  .describe(
    'Runners beyond this machine, by name: use one with --runner <name>, phases.<phase>.runner or agents.<name>.runner.',
  );

export const ValidationProfileSchema = z.strictObject({
  requireTest: z
    .boolean()
    .optional()
    .describe('The change must add or change a test (a file matching validate.testPatterns); else a blocker finding.'),
  audit: z
    .boolean()
    .optional()
    .describe('The criteria audit is required: an unmet acceptance criterion means request-changes.'),
  commands: commandList.optional().describe('Commands run in the review checkout in addition to validate.commands.'),
  instructions: z.string().optional().describe('What the reviewer is told to check for this kind of issue.'),
});

export const ValidateSchema = z.strictObject({
  commands: commandList
    .default([])
    .describe(
      'Commands (lint, tests) run in the review checkout before the reviewer starts; a failure is a blocker finding with the end of its output. Each runs only after you approved that exact text once.',
    ),
  commandTimeoutMinutes: z.number().positive().default(15),
  testPatterns: z
    .array(z.string().min(1))
    .default(['**/*.test.*', '**/*.spec.*', '**/*_test.*', '**/test_*.py', 'test/**', 'tests/**', '**/__tests__/**'])
    .describe('Globs of test files: what "the change adds or changes a test" looks for.'),
  maxDiffBytes: z
    .number()
    .int()
    .positive()
    .default(60_000)
    .describe(
      'A larger diff is given to the reviewer file by file up to this size; the rest it reads from the checkout.',
    ),
  maxRounds: z.number().int().min(1).default(3).describe('Review rounds of lanes run --until approve (--max-rounds).'),
  profiles: z
    .record(z.string().min(1), ValidationProfileSchema)
    .default({})
    .describe(
      'By issue label: the first label with a profile chooses it. Built in: bug (requires a test), feature (audited against its criteria), refactor (must keep behaviour); a profile named here replaces the built-in one.',
    ),
});

export const HealSchema = z.strictObject({
  files: z
    .array(z.string().min(1))
    .min(1)
    .default(['CLAUDE.md', 'AGENTS.md', 'GEMINI.md'])
    .describe(
      'The rules files lanes heal keeps its section in (identical in each); the ones the base branch has, else the first is made.',
    ),
  minLanes: z
    .number()
    .int()
    .min(1)
    .default(2)
    .describe('A group of alike findings qualifies when it spans this many lanes …'),
  minFindings: z.number().int().min(1).default(3).describe('… or holds this many findings.'),
  similarity: z
    .number()
    .min(0)
    .max(1)
    .default(0.5)
    .describe("How alike two findings' messages must be to group (Jaccard index of their words, 0–1)."),
  maxActive: z
    .number()
    .int()
    .min(1)
    .default(20)
    .describe('At most this many active rules; applying more retires the least effective first.'),
});

export const ForgeSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('github'),
    repo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'repo is "owner/name"')
      .optional()
      .describe('Default: issues.repo, $GITHUB_REPOSITORY, else the remote.'),
    baseUrl: z
      .string()
      .url()
      .optional()
      .describe('GitHub Enterprise API URL; default: issues.baseUrl, else api.github.com.'),
    remote: z.string().min(1).default('origin').describe('The git remote the branch is pushed to.'),
  }),
  z.strictObject({
    type: z.literal('local'),
    remote: z
      .string()
      .min(1)
      .optional()
      .describe('A remote to push lane branches to (none by default: the local review request needs no push).'),
  }),
]);

export const LandSchema = z.strictObject({
  syncMethod: z
    .enum(['rebase', 'merge'])
    .default('rebase')
    .describe('How lanes sync and lanes land bring a lane up to date with its base (lanes sync --merge overrides it).'),
  order: z
    .array(z.string().min(1))
    .default([])
    .describe(
      'Lane names in the order lanes land lands them; lanes not listed follow, fewest predicted conflicts first.',
    ),
  mergeMethod: z
    .enum(['merge', 'squash', 'rebase'])
    .optional()
    .describe(
      "How a GitHub pull request is merged; default: the repository's allowed method (merge, else squash, else rebase).",
    ),
  maxRetries: z
    .number()
    .int()
    .min(0)
    .default(3)
    .describe('How often lanes land syncs and tries a lane again when its base moved under it.'),
});

export const ConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  base: z
    .string()
    .min(1)
    .optional()
    .describe("Base branch for new lanes; default: the remote's default branch, else main/master."),
  templates: TemplatesSchema.default(TemplatesSchema.parse({})),
  envFile: z
    .string()
    .min(1)
    .default('.env.local')
    .describe("The lane's env file (relative to the worktree); lanes owns one block inside it."),
  copy: CopySchema.default(CopySchema.parse({})),
  ports: PortsSchema.default(PortsSchema.parse({})),
  hooks: HooksSchema.default(HooksSchema.parse({})),
  issues: IssuesSchema.default({ source: 'local', dir: 'issues' }),
  database: DatabaseSchema.default({ provider: 'none' }),
  dependencies: DependenciesSchema.default(DependenciesSchema.parse({})),
  disposable: z
    .array(z.string().min(1))
    .default([...DEFAULT_DISPOSABLE])
    .describe(
      'Ignored files and folders that are regenerable (globs); lanes rm does not count them as work. Every other ignored file the lane created does count. Setting this replaces the default list.',
    ),
  agent: z.string().min(1).optional().describe('Default implementer agent (a key of agents or an adapter name).'),
  agents: z.record(z.string(), AgentSchema).default({}),
  phases: z.partialRecord(z.enum(PHASES), PhaseSchema).default({}),
  validate: ValidateSchema.default(ValidateSchema.parse({})),
  runners: RunnersSchema,
  heal: HealSchema.default(HealSchema.parse({})),
  land: LandSchema.default(LandSchema.parse({})),
  notify: NotifySchema.default({}),
  forge: ForgeSchema.optional().describe(
    'Where pull requests go. Default: GitHub when issues come from GitHub or the origin remote is on github.com, else local review requests.',
  ),
});

export type Config = z.infer<typeof ConfigSchema>;
