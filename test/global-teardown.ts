import { terminateSnarkjsCurve } from '../src/common/snarkjs-teardown';

// snarkjs keeps the bn128 curve's worker threads alive; without this jest never exits.
export default terminateSnarkjsCurve;
