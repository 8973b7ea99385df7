// npm run contracts:build [-- --force]: compile contracts/ and the coverage verifier with the
// pinned solc npm package into build/contracts/ (skipped when the input hash is unchanged).
import { relative } from 'node:path';
import { BUILD_DIR, buildContracts, SOLC_VERSION } from '../../src/chain/contracts-build';

const force = process.argv.includes('--force');
const { artifacts, cached, warnings, inputHash, ms } = buildContracts({ force });
for (const w of warnings) console.warn(w);
for (const a of Object.values(artifacts)) {
  const size = (a.deployedBytecode.length - 2) / 2;
  console.log(`${a.contractName.padEnd(20)} ${String(size).padStart(6)} bytes  ${a.sourceName}`);
}
console.log(
  `${cached ? 'up to date' : 'compiled'} with solc ${SOLC_VERSION} in ${(ms / 1000).toFixed(1)} s ` +
    `-> ${relative(process.cwd(), BUILD_DIR)} (input ${inputHash.slice(0, 12)})`,
);
