export { startFakeModelServer } from './server.js';
export type { FakeModelServer, FakeModelServerOptions, RecordedRequest, Vendor } from './server.js';
export { parseFakeScript, turnFor, DEFAULT_USAGE } from './script.js';
export type {
  FakeScript,
  FakeTurn,
  FakeUsage,
  WriteTurn,
  ShellTurn,
  TextTurn,
  ErrorTurn,
  BreakTurn,
  HangTurn,
} from './script.js';
export { spawnFakeModelServer } from './spawn.js';
export type { FakeModelServerProcess } from './spawn.js';
