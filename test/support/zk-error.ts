import { ZkAttestError } from '../../src/common/errors';

/** The ZkAttestError `work` rejects with; the test fails if it resolves or throws another. */
export async function rejectionOf(work: Promise<unknown>): Promise<ZkAttestError> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ZkAttestError);
  return err as ZkAttestError;
}
