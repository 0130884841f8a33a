export { startFakeModelServer } from './server.js';
export type { FakeModelServer, FakeModelServerOptions, RecordedRequest, Vendor } from './server.js';
export { parseFakeScript, turnFor, answerText, DEFAULT_USAGE } from './script.js';
export type {
  FakeScript,
  FakeTurn,
  FakeUsage,
  WriteTurn,
  ShellTurn,
  CallTurn,
  TextTurn,
  AnswerTurn,
  ErrorTurn,
  BreakTurn,
  HangTurn,
} from './script.js';
export { spawnFakeModelServer } from './spawn.js';
export type { FakeModelServerProcess } from './spawn.js';
