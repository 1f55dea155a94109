// Runs the test suite with node's test runner: every *.test.ts under src/ and test/.
// --fast leaves out integration (*.int.test.ts), end-to-end (test/e2e) and browser (test/browser) tests.
// Two files run at once (--concurrency N to change it; node's default on this 2-core machine is
// one): most of the suite's time is spent waiting on child processes, fsync, brokers and the
// browser, and every test keeps its own folder, store, port, PostgreSQL schema, broker client id
// and topic, so files do not share state (docs/adr/0073-two-test-files-at-once.md).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const fast = process.argv.includes('--fast');
const concurrencyAt = process.argv.indexOf('--concurrency');
const concurrency = concurrencyAt === -1 ? '2' : process.argv[concurrencyAt + 1];
if (concurrency === undefined || !/^[1-9][0-9]*$/.test(concurrency)) {
  process.stderr.write(`run-tests: --concurrency takes a whole number of files at once, 1 or more (got ${concurrency ?? 'nothing'})\n`);
  process.exit(2);
}
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.ts')) files.push(path);
  }
};
walk('src');
walk('test');
const selected = fast ? files.filter((f) => !f.endsWith('.int.test.ts') && !f.startsWith(join('test', 'e2e')) && !f.startsWith(join('test', 'browser'))) : files;
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...selected], { stdio: 'inherit' });
process.exit(result.status ?? 1);
