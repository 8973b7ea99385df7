/**
 * Groth16 in the browser with snarkjs' own verifier (its browser build), on a single-thread
 * curve: snarkjs would otherwise start a Web Worker per core from a blob: URL, which the page's
 * CSP (script-src 'self' 'wasm-unsafe-eval', no blob:) rightly refuses, and one proof needs no
 * threads.
 */
import { curves, groth16, type Groth16Proof } from 'snarkjs';

let ready: Promise<void> | undefined;

/** Builds the BN254 curve once, single-threaded, where snarkjs looks for its cached curve. */
function singleThreadCurve(): Promise<void> {
  ready ??= curves.getCurveFromName('bn128', { singleThread: true }).then((curve) => {
    (globalThis as { curve_bn128?: unknown }).curve_bn128 = curve;
  });
  return ready;
}

/** Prepares the curve ahead of the first proof (the page calls it at start). */
export function warmUpVerifier(): Promise<void> {
  return singleThreadCurve();
}

export async function verifyGroth16(
  vk: Record<string, unknown>,
  publicSignals: readonly string[],
  proof: Groth16Proof,
): Promise<boolean> {
  await singleThreadCurve();
  return groth16.verify(vk, publicSignals, proof);
}
