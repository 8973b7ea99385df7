// npm run contracts:verifier: regenerate contracts/Coverage32Groth16.sol from the committed
// verification key (after a circuit rebuild or a ceremony; the test suite checks it is current).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedLibrary, LIBRARY_FILE, VKEY_FILE } from '../../src/chain/groth16-solidity';

writeFileSync(join(__dirname, '..', '..', LIBRARY_FILE), generatedLibrary());
console.log(`${LIBRARY_FILE} generated from ${VKEY_FILE}`);
