// The owner-only JSON file helpers moved to src/common (signer key files use them too).
export { readSecretFile, writeSecretFile } from '../../common/secret-file';
