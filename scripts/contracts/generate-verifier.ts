// npm run contracts:verifier: regenerate contracts/Coverage32Groth16.sol from the committed
// verification key (after a circuit rebuild or a ceremony; the test suite checks it is current).
//
// npm run contracts:verifier -- --batch <out.sol> <verification_key.json>...: a batch verifier
// library (one pairing check for many proofs of these keys, src/chain/groth16-batch-solidity.ts)
// named after out.sol, e.g. --batch contracts/LargeCoverageBatchGroth16.sol
// artifacts/chunk-32/verification_key.json artifacts/coverage-4096/verification_key.json
import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { batchLibraryFromKeyFiles } from '../../src/chain/groth16-batch-solidity';
import { generatedLibrary, LIBRARY_FILE, VKEY_FILE } from '../../src/chain/groth16-solidity';

const ROOT = join(__dirname, '..', '..');
const [flag, out, ...keyFiles] = process.argv.slice(2);

if (flag === '--batch') {
  if (!out?.endsWith('.sol') || keyFiles.length === 0) {
    console.error('usage: generate-verifier.ts --batch <Name.sol> <verification_key.json>...');
    process.exit(2);
  }
  writeFileSync(join(ROOT, out), batchLibraryFromKeyFiles(basename(out, '.sol'), keyFiles));
  console.log(`${out} generated from ${keyFiles.join(', ')}`);
} else {
  writeFileSync(join(ROOT, LIBRARY_FILE), generatedLibrary());
  console.log(`${LIBRARY_FILE} generated from ${VKEY_FILE}`);
}
