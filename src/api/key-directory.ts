import type { KeyDirectory } from '../verifier';
import type { KeyRegistryStore, SignerSetStore } from './store';

/** The verifier's view of the API's registries: signer sets by setId, FX sources by keyId. */
export function keyDirectory(stores: {
  signerSets: SignerSetStore;
  keys: KeyRegistryStore;
}): KeyDirectory {
  return {
    getSignerSet: (setId) => stores.signerSets.get(setId),
    getFxSource: (keyId) => stores.keys.get('fx', keyId),
  };
}
