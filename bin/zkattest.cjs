#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so the installed command always matches the source.
require('tsx/cjs');
const { main } = require('../src/entry-points/cli.ts');
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(70);
  },
);
