import type { KeyDirectory } from '../verifier';
import type { KeyRegistryStore } from './store';

/** The verifier's view of the API's key registry: signer keys and FX sources by keyId. */
export function keyDirectory(keys: KeyRegistryStore): KeyDirectory {
  return {
    getSigner: (keyId) => keys.get('signer', keyId),
    getFxSource: (keyId) => keys.get('fx', keyId),
  };
}
