import { terminateSnarkjsCurve } from '../src/common/snarkjs-teardown';

// Each test file runs in its own context with its own snarkjs curve (and worker threads):
// terminate it when the file is done, or jest waits for the workers forever.
afterAll(terminateSnarkjsCurve);
