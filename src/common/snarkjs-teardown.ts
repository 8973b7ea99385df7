/**
 * snarkjs builds the bn128 curve once and caches it on `globalThis.curve_bn128`; its worker
 * threads keep a process (or a jest run) alive until the curve is terminated. Every process
 * and test context tears it down through here.
 */
import { buildBn128 } from 'ffjavascript';
import { closePairingPool } from '../verifier/pairing-pool';

interface Curve {
  terminate(): Promise<void>;
}

const holder = globalThis as { curve_bn128?: Curve };

/**
 * Terminates snarkjs' cached curve, if any, so that the next use builds a fresh one, and the
 * verifier's pairing pool threads (src/verifier/pairing-pool.ts).
 */
export async function terminateSnarkjsCurve(): Promise<void> {
  const curve = holder.curve_bn128;
  holder.curve_bn128 = undefined;
  await Promise.all([curve?.terminate(), closePairingPool()]);
}

/** The curve snarkjs uses in this process: its cached one (e.g. the single-threaded one), else
 *  one built now, which ffjavascript caches for snarkjs too. */
export async function snarkjsCurve(): Promise<unknown> {
  return holder.curve_bn128 ?? (await buildBn128());
}

/**
 * Makes snarkjs use a single-threaded curve in this process: one core per worker process, so
 * several workers on one machine add capacity instead of fighting over every core.
 */
export async function useSingleThreadedCurve(): Promise<void> {
  await terminateSnarkjsCurve();
  holder.curve_bn128 = (await buildBn128(true)) as Curve;
}
