// Run by the Maven build (pre-integration-test): installs the pinned Confluent client for
// ConfluentNodeInteropIT, and turns an npm failure into a message that says what is missing.
'use strict';
const { spawnSync } = require('child_process');

const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {
  cwd: __dirname,
  stdio: 'inherit',
  shell: process.platform === 'win32',
});
if (result.status !== 0) {
  const why = result.error ? result.error.message : `exit code ${result.status}`;
  process.stderr.write(
    `\nreachwatch: 'npm ci' in ${__dirname} failed (${why}).\n`
    + 'ConfluentNodeInteropIT needs @confluentinc/schemaregistry from the npm registry '
    + '(is https://registry.npmjs.org reachable, or npm configured for a mirror?).\n'
    + 'Run with -DskipTests to build without integration tests.\n\n');
  process.exit(1);
}
