// Runs the test suite with node's test runner: every *.test.ts under src/ and test/.
// --fast leaves out integration (*.int.test.ts), end-to-end (test/e2e) and browser (test/browser) tests.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const fast = process.argv.includes('--fast');
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
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...selected], { stdio: 'inherit' });
process.exit(result.status ?? 1);
