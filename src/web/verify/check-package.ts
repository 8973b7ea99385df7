/**
 * What the browser checks of a package by itself, step by step: its shape, the pinned
 * verification key, the Groth16 proof, the k-of-n P-256 signatures, the FX table's Poseidon
 * hash and the FX source's signature. Every step is reported, so a tampered package names the
 * check it failed. Policy (is the set registered, revoked, fresh, was the challenge ours) is
 * the server's and is not decided here.
 */
import { checkPackage, type AttestationPackage } from '../../common/attestation-package';
import { ZkAttestError } from '../../common/errors';
import { fxMessage, fxTableHashWith, isIdentityTable } from '../../common/fx-table';
import { signedSnapshotOf } from '../../common/signed-snapshot';
import { loadPoseidon } from '../../common/poseidon';
import { verifyGroth16 } from './groth16';
import { keyIdOfHex, verifyP256 } from './p256-subtle';
import { checkSignaturesInBrowser } from './signatures';
import { pinnedVerificationKey } from './verification-key';

export type CheckName = 'package' | 'key' | 'proof' | 'signatures' | 'fx-table' | 'fx-source';

export interface CheckResult {
  name: CheckName;
  ok: boolean;
  /** Stable codes saying why not (or what was skipped and why), never values. */
  reasons: string[];
}

export interface BrowserVerdict {
  valid: boolean;
  checks: CheckResult[];
  /** Wall time of the checks in this browser, milliseconds. */
  ms: number;
  pkg?: AttestationPackage;
  /** Key ids whose signatures checked out. */
  signers: string[];
}

/** The package inside a dropped file: a package JSON, `{ package }`, or a compact JWS envelope. */
export function packageFromText(text: string): unknown {
  const trimmed = text.trim();
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(trimmed)) {
    const payload = trimmed.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  }
  const value = JSON.parse(trimmed) as unknown;
  if (typeof value === 'object' && value !== null && 'envelope' in value) {
    return packageFromText(String((value as { envelope: unknown }).envelope));
  }
  if (typeof value === 'object' && value !== null && 'package' in value) {
    return (value as { package: unknown }).package;
  }
  return value;
}

async function signaturesCheck(
  pkg: AttestationPackage,
): Promise<CheckResult & { signers: string[] }> {
  try {
    const r = await checkSignaturesInBrowser(signedSnapshotOf(pkg));
    return {
      name: 'signatures',
      ok: r.reasons.length === 0,
      reasons: r.reasons,
      signers: r.signers,
    };
  } catch (err) {
    const code = err instanceof ZkAttestError ? err.code : 'SIGNATURE_MALFORMED';
    return { name: 'signatures', ok: false, reasons: [code], signers: [] };
  }
}

async function fxChecks(pkg: AttestationPackage): Promise<CheckResult[]> {
  const { table, source } = pkg.fx;
  let hash: bigint;
  try {
    hash = fxTableHashWith(await loadPoseidon(), table);
  } catch {
    return [{ name: 'fx-table', ok: false, reasons: ['FX_TABLE_INVALID'] }];
  }
  const tableReasons: string[] = [];
  if (hash.toString() !== pkg.publicSignals.fxTable) tableReasons.push('FX_TABLE_MISMATCH');
  const { currency, decimals } = pkg.snapshot;
  if (table.reporting.currency !== currency || table.reporting.decimals !== decimals) {
    tableReasons.push('UNIT_MISMATCH');
  }
  const tableCheck: CheckResult = {
    name: 'fx-table',
    ok: tableReasons.length === 0,
    reasons: tableReasons,
  };
  if (!source) {
    const identity = isIdentityTable(table);
    return [
      tableCheck,
      {
        name: 'fx-source',
        ok: identity,
        reasons: identity ? ['IDENTITY_TABLE'] : ['FX_SIGNATURE_MISSING'],
      },
    ];
  }
  try {
    const ok =
      (await keyIdOfHex(source.publicKey)) === source.keyId &&
      (await verifyP256(
        source.publicKey,
        fxMessage(hash, table.reporting, source.asOf),
        source.signature,
      ));
    return [tableCheck, { name: 'fx-source', ok, reasons: ok ? [] : ['FX_SIGNATURE_INVALID'] }];
  } catch {
    return [tableCheck, { name: 'fx-source', ok: false, reasons: ['FX_SIGNATURE_INVALID'] }];
  }
}

/** Runs every check the browser can make on `candidate`, timing them. */
export async function checkInBrowser(candidate: unknown, keyBase: string): Promise<BrowserVerdict> {
  const started = performance.now();
  const done = (checks: CheckResult[], pkg?: AttestationPackage, signers: string[] = []) => ({
    valid: checks.every((c) => c.ok),
    checks,
    ms: Math.round(performance.now() - started),
    pkg,
    signers,
  });
  const parsed = checkPackage(candidate);
  if (!parsed.ok) {
    const code = parsed.problem.kind === 'schema' ? 'PACKAGE_INVALID' : 'SIGNAL_OUT_OF_FIELD';
    return done([{ name: 'package', ok: false, reasons: [code] }]);
  }
  const pkg = parsed.package;
  const checks: CheckResult[] = [{ name: 'package', ok: true, reasons: [] }];
  // A large book's chunk proofs and their chain are checked by the API and `zkattest verify`;
  // this page does not check them yet, so it says so instead of a misleading PROOF_INVALID.
  const key = pkg.chunks
    ? ({ ok: false, why: 'LARGE_BOOK_UNSUPPORTED' } as const)
    : await pinnedVerificationKey(pkg.circuitId, pkg.vkeyHash, keyBase);
  if (!key.ok) {
    checks.push({ name: 'key', ok: false, reasons: [key.why] });
    checks.push({ name: 'proof', ok: false, reasons: ['NOT_CHECKED'] });
  } else {
    checks.push({ name: 'key', ok: true, reasons: [] });
    const { commitment, statement, fxTable } = pkg.publicSignals;
    const ok = await verifyGroth16(key.vk, [commitment, statement, fxTable], pkg.proof).catch(
      () => false,
    );
    checks.push({ name: 'proof', ok, reasons: ok ? [] : ['PROOF_INVALID'] });
  }
  const sig = await signaturesCheck(pkg);
  const { signers, ...sigCheck } = sig;
  checks.push(sigCheck, ...(await fxChecks(pkg)));
  return done(checks, pkg, signers);
}
