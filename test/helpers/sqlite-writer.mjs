// Writes to a SQLite database continuously until killed: each transaction moves an amount between
// two accounts (their sum stays 1000) and appends a padded log row, so a torn copy shows up as a
// failed integrity check or a wrong sum.
import { createRequire } from 'node:module';
const Database = createRequire(import.meta.url)('better-sqlite3');
const [file, mode] = process.argv.slice(2);
const db = new Database(file, { timeout: 30_000 });
db.pragma(`journal_mode = ${mode}`);
const move = db.prepare('UPDATE accounts SET balance = balance + ? WHERE id = ?');
const log = db.prepare('INSERT INTO log (amount, pad) VALUES (?, ?)');
const step = db.transaction((n) => {
  move.run(-n, 1);
  move.run(n, 2);
  log.run(n, 'x'.repeat(2000));
});
// A real app pauses between writes now and then; without any pause a rollback-journal writer
// would starve every reader (SQLite has no fair lock queue), the copy included.
const pause = new Int32Array(new SharedArrayBuffer(4));
for (let i = 0; ; i++) {
  step((i % 7) - 3);
  if (i % 10 === 0) Atomics.wait(pause, 0, 0, 1);
  if (i % 200 === 0) db.prepare('DELETE FROM log WHERE id < (SELECT max(id) - 3000 FROM log)').run();
}
