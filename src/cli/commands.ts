import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readDeploymentFile } from '../chain/chain-client';
import { contractContext } from '../chain/context-binding';
import {
  allocatedTotal,
  allocationContext,
  allocationsHash,
  type AllocationTable,
} from '../common/allocations';
import { ZkAttestError } from '../common/errors';
import { MAX_PACKAGE_BYTES } from '../common/attestation-package';
import { formatAmount } from '../common/money';
import {
  ClaimProver,
  clearForEgress,
  fxBook,
  isLargeBook,
  loadPrimitives,
  planLargeBook,
  snapshotCommitment,
} from '../prover';
import type { MessageRequest, SnapshotSigning } from '../prover/proving/claim-prover';
import {
  DisclosureBudget,
  FileDisclosureLedger,
  readDisclosurePolicyFile,
} from '../prover/disclosure';
import { signerFromKeyFile } from '../common/p256-signer';
import { trustFileDirectory } from '../api/trusted-keys-file';
import { ZERO_BYTES32 } from '../common/snapshot-message';
import { CLAIM_NAMES, claimCliOptions, claimNamed, claimUsage, parseCliParams } from '../claims';
import { loadManifest } from '../common/artifact-manifest';
import { snapshotSlots } from '../common/artifact-store';
import {
  DEFAULT_POLICY,
  VerificationKeyRegistry,
  verifyAttestation,
  verifyPackage,
  type AttestationVerdict,
} from '../verifier';
import { required, type Command } from './args';
import { collectSignatures, readSignerSetFile } from './cosign-commands';
import {
  ALLOCATIONS_OPTION,
  ALLOCATIONS_USAGE,
  SALTED_SNAPSHOT_OPTIONS,
  SNAPSHOT_INPUT_USAGE,
  allocationsOption,
  epochOptions,
  loadSaltedSnapshot,
  unitsLine,
} from './snapshot-input';

const snapshotCommit: Command = {
  name: 'snapshot commit',
  summary: 'validate a snapshot (CSV or JSON) and print its salted commitment',
  usage: `zkattest snapshot commit <snapshot.csv|json> [--fx <signed-rates.json>] [--secret <file>] [--claim <claim>]
${SNAPSHOT_INPUT_USAGE}`,
  options: {
    claim: { type: 'string' },
    ...SALTED_SNAPSHOT_OPTIONS,
  },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', this.usage);
    const { snapshot, fx, salt, secretFile, created } = await loadSaltedSnapshot(file, values);
    const large = isLargeBook(snapshot.positions.length);
    const p = await loadPrimitives();
    // The commitment holds each position's FX table row: it depends on the table.
    const book = fxBook(p, snapshot, fx?.table);
    let commitment: bigint;
    let layout: string;
    if (large) {
      const plan = planLargeBook(p, book, salt);
      commitment = plan.commitment;
      layout = `chunks: ${plan.chunks} of 32 slots (a large book: chunk proofs and a final proof)`;
    } else {
      const slots = circuitSlots(snapshot.positions.length, values.claim as string | undefined);
      commitment = snapshotCommitment(p, book, salt, slots);
      layout = `circuit slots: ${slots} (from the artifact manifest, as prove uses them)`;
    }
    console.log(
      `snapshot valid: ${snapshot.positions.length} positions, as of ${iso(snapshot.asOf)}`,
    );
    console.log(unitsLine(snapshot));
    console.log(layout);
    console.log(`salt ${created ? 'created in' : 'read from'} ${secretFile} (keep it onshore)`);
    console.log(`FX table hash: ${book.tableHash}${fx ? '' : ' (one currency: identity table)'}`);
    console.log(`commitment: ${commitment}`);
  },
};

/** The circuit slots of a book: the named claim's, or the one count every claim agrees on. */
function circuitSlots(positions: number, claim: string | undefined): number {
  const names = claim === undefined ? CLAIM_NAMES : [claimNamed(claim).name];
  return snapshotSlots(loadManifest(), positions, names);
}

const CLAIM_OPTIONS = {
  snapshot: { type: 'string' },
  key: { type: 'string' },
  set: { type: 'string' },
  signatures: { type: 'string' },
  epoch: { type: 'string' },
  'prev-commitment': { type: 'string' },
  context: { type: 'string' },
  out: { type: 'string' },
  'for-token': { type: 'string' },
  'disclosure-policy': { type: 'string' },
  ledger: { type: 'string' },
  ...SALTED_SNAPSHOT_OPTIONS,
  ...ALLOCATIONS_OPTION,
  ...claimCliOptions(),
} as const;

const PROVE_USAGE = `zkattest prove <claim> --snapshot <file> --out <package.json>
    --key <signer.key.json>           sign the snapshot yourself (a 1-of-1 signer set), or
    --set <set.json> --signatures <a.sig.json,b.sig.json,...>
                                      k members' signatures over \`zkattest snapshot message\`
    [--fx <signed-rates.json>]        the FX source's signed table, for a book in several currencies
    [--secret <file>] [--context <integer below 2^128, default: random>] [claim parameters]
    [--epoch N] [--prev-commitment <64 hex>]   the snapshot's place in its signer set's chain
    [--for-token <deployment.json>]   bind the proof to that token (chain id + address)
    [--disclosure-policy <policy.json>] refuse claims more precise than the policy allows
    [--ledger <file>]                 the snapshot's claims ledger (default: <secret>.ledger.jsonl)
${ALLOCATIONS_USAGE}
                                      (coverage only; the context is then the table's, so no
                                      --context or --for-token)
${SNAPSHOT_INPUT_USAGE}

claims and their parameters:
${claimUsage()}`;

/**
 * The context binding a proof to a deployed token; refuses, before any proving, a snapshot in
 * another unit than the token's (the token would refuse its signature at every mint).
 */
function tokenContext(
  deploymentFile: string,
  unit: { currency: string; decimals: number },
): bigint {
  const d = readDeploymentFile(deploymentFile);
  if (d.currency !== unit.currency || d.decimals !== unit.decimals) {
    throw new ZkAttestError(
      'MINT_REFUSED',
      `the token mints ${d.currency} with ${d.decimals} decimals; the snapshot reports ` +
        `${unit.currency} with ${unit.decimals}`,
      { field: 'currency' },
    );
  }
  return contractContext(BigInt(d.chainId), d.addresses.token);
}

/** A split proof's context: the table's, which every token it names accepts. */
function splitContext(table: AllocationTable, values: Record<string, unknown>): bigint {
  if (values.context !== undefined || values['for-token'] !== undefined) {
    throw new ZkAttestError(
      'USAGE',
      `--allocations sets the context (the table's): no --context or --for-token\n\n${PROVE_USAGE}`,
    );
  }
  return allocationContext(allocationsHash(table));
}

function contextOption(text: string | undefined): bigint {
  if (text === undefined) return BigInt(`0x${randomBytes(16).toString('hex')}`);
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) {
    throw new ZkAttestError('USAGE', '--context is a decimal or 0x-hex integer');
  }
  return BigInt(text);
}

function cliDisclosureBudget(
  values: Record<string, unknown>,
  secretFile: string,
): DisclosureBudget {
  const policyFile = values['disclosure-policy'];
  const ledgerFile =
    typeof values.ledger === 'string' ? values.ledger : `${secretFile}.ledger.jsonl`;
  return new DisclosureBudget(
    typeof policyFile === 'string' ? readDisclosurePolicyFile(policyFile) : {},
    new FileDisclosureLedger(ledgerFile),
  );
}

/** `--key` (a 1-of-1 set: the prover signs) or `--set` with `--signatures` (k members signed). */
async function snapshotSigning(
  values: Record<string, string | boolean | undefined>,
  prover: ClaimProver,
  request: MessageRequest,
): Promise<SnapshotSigning> {
  const { key, set, signatures } = values;
  if (typeof key === 'string' && set === undefined && signatures === undefined) {
    return { signer: await signerFromKeyFile(key) };
  }
  if (key === undefined && typeof set === 'string' && typeof signatures === 'string') {
    const signerSet = readSignerSetFile(set);
    const message = prover.message(request, signerSet.setId);
    return { cosigned: collectSignatures(signerSet, message, signatures.split(',')) };
  }
  throw new ZkAttestError(
    'USAGE',
    `sign with --key, or --set with --signatures (not both)\n\n${PROVE_USAGE}`,
  );
}

const prove: Command = {
  name: 'prove',
  summary: 'prove a claim about a snapshot signed by you (--key) or k of a set (--signatures)',
  usage: PROVE_USAGE,
  options: CLAIM_OPTIONS,
  async run(values, [claim]) {
    const params = parseCliParams(claim, values, PROVE_USAGE);
    const snapshotFile = required(values, 'snapshot', PROVE_USAGE);
    const out = required(values, 'out', PROVE_USAGE);
    const { snapshot, fx, salt, secretFile } = await loadSaltedSnapshot(snapshotFile, values);
    const split = allocationsOption(values);
    const request = {
      snapshot,
      salt,
      ...(fx ? { fx } : {}),
      ...epochOptions(values),
      ...split,
    };
    const context = split.allocations
      ? splitContext(split.allocations, values)
      : typeof values['for-token'] === 'string'
        ? tokenContext(values['for-token'], snapshot)
        : contextOption(values.context as string | undefined);
    const prover = new ClaimProver(await loadPrimitives());
    // The co-signatures first: fewer than k good ones and nothing is admitted or proved.
    const signing = await snapshotSigning(values, prover, request);
    // Before proving: a refused claim is never proved (DISCLOSURE_BUDGET_EXCEEDED).
    await cliDisclosureBudget(values, secretFile).admit(resolve(snapshotFile), params);
    const { package: pkg, proveMs } = await prover.prove({
      ...request,
      ...signing,
      params,
      context,
    });
    const cleared = clearForEgress(pkg);
    writeFileSync(out, cleared.bytes);
    console.log(`${params.claim} proved in ${(proveMs / 1000).toFixed(2)} s on ${pkg.circuitId}`);
    console.log(`package ${cleared.id} written to ${out}`);
    if (pkg.allocations) {
      console.log(`capacity split across ${pkg.allocations.rows.length} deployment(s):`);
      for (const line of allocationLines(pkg.allocations.rows, snapshot)) console.log(line);
    }
  },
};

const VERIFY_USAGE = `zkattest verify <package.json> [--allow-development-keys]
    [--trust <trusted-keys.json>]   also check the signer set and FX source are registered
                                    (the API's TRUSTED_KEYS_FILE format: signerSets, fxSources)
                                    and name the signers by label, the snapshot's and the
                                    rates' freshness (7 days, 2 days)
    [--currency CODE --decimals N]  refuse amounts in any other unit`;

/**
 * Who signed: "signed by 2 of 3: Custodian X, Auditor Y" from the trust file's labels, or the
 * key ids that signed when the set's registration was not checked (or is unknown).
 */
function signedByLine(verdict: AttestationVerdict, trustChecked: boolean): string {
  const set = verdict.trust?.signerSet;
  if (set?.summary) return set.summary;
  const keyIds = set?.signers.map((s) => s.keyId) ?? verdict.publicValues?.signers ?? [];
  return (
    `signed by ${keyIds.length} key(s) of the set (${verdict.publicValues?.threshold} required): ` +
    `${keyIds.join(', ') || 'no valid signature'}` +
    (trustChecked ? ' (set not registered)' : ' (registration not checked: pass --trust)')
  );
}

/** What a verdict says, line by line, amounts with their currency. */
export function describeVerdict(verdict: AttestationVerdict, trustChecked: boolean): string[] {
  const lines = [
    `${verdict.valid ? 'VALID' : 'INVALID'} ${verdict.claim} proof (${verdict.circuitId})`,
    `meaning: ${verdict.meaning}`,
  ];
  for (const [name, amount] of Object.entries(verdict.amounts)) lines.push(`${name} ${amount}`);
  if (verdict.invalidChunks) {
    lines.push(`invalid chunk proofs: ${verdict.invalidChunks.join(', ')} (of a large book)`);
  }
  const v = verdict.publicValues;
  if (v) {
    lines.push(`unit: ${v.currency}, ${v.decimals} decimals`);
    const label = (k: { keyId: string; label?: string }) =>
      k.label ? `${k.label} (${k.keyId})` : k.keyId;
    lines.push(signedByLine(verdict, trustChecked));
    if (v.fx) {
      const source = verdict.trust?.fxSource ?? { keyId: v.fx.sourceKeyId };
      lines.push(
        `FX: ${v.fx.currencies.join(', ')} converted into ${v.currency} at rates signed by ` +
          `${label(source)} as of ${iso(v.fx.asOf)}`,
      );
    } else {
      lines.push(`FX: none (every position in ${v.currency})`);
    }
    lines.push(`snapshot as of: ${iso(v.asOf)}, epoch ${v.epoch}`);
    lines.push(
      `previous commitment: ${v.prevCommitment === ZERO_BYTES32 ? 'none (no earlier snapshot linked)' : v.prevCommitment}`,
    );
    lines.push(`snapshot commitment: ${v.commitment}`);
    lines.push(`signer set: ${v.setId} (${v.threshold} signature(s) required)`);
    lines.push(`context: ${v.context}`);
    if (v.allocations) {
      const capacity = v.claim === 'coverage' ? ` of ${verdict.amounts.liabilities}` : '';
      lines.push(
        `allocations: ${v.allocations.length} deployment(s), ` +
          `${formatAmount(allocatedTotal({ rows: v.allocations }), v)} allocated${capacity}`,
      );
      lines.push(...allocationLines(v.allocations, v));
    }
  }
  if (!verdict.valid) lines.push(`reasons: ${verdict.reasons.join(', ')}`);
  return lines;
}

const verify: Command = {
  name: 'verify',
  summary: 'check a package (proof, signatures, FX) and say what it means',
  usage: VERIFY_USAGE,
  options: {
    'allow-development-keys': { type: 'boolean' },
    trust: { type: 'string' },
    currency: { type: 'string' },
    decimals: { type: 'string' },
  },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', this.usage);
    const candidate = readPackageFile(file);
    const registry = VerificationKeyRegistry.fromArtifacts({
      allowDevelopment: values['allow-development-keys'] === true,
    });
    const unit = unitOption(values);
    const trust = typeof values.trust === 'string' ? trustFileDirectory(values.trust) : undefined;
    let verdict: AttestationVerdict;
    if (trust) {
      verdict = await verifyAttestation(
        candidate,
        {
          registry,
          keys: trust,
          policy: {
            ...DEFAULT_POLICY,
            requireChallenge: false,
            ...(unit ? { requiredUnit: unit } : {}),
          },
        },
        { consume: false },
      );
    } else {
      verdict = await verifyPackage(candidate, registry);
      const v = verdict.publicValues;
      if (unit && v && (v.currency !== unit.currency || v.decimals !== unit.decimals)) {
        verdict = { ...verdict, valid: false, reasons: [...verdict.reasons, 'UNIT_NOT_ACCEPTED'] };
      }
    }
    for (const line of describeVerdict(verdict, trust !== undefined)) console.log(line);
    if (!verdict.valid) process.exitCode = 1;
  },
};

/** One line per allocation row: chain, token and its share in the unit. */
function allocationLines(
  rows: readonly { chainId: string; token: string; amount: string }[],
  unit: { currency: string; decimals: number },
): string[] {
  return rows.map(
    (r) => `  chain ${r.chainId} token ${r.token}: ${formatAmount(BigInt(r.amount), unit)}`,
  );
}

function unitOption(
  values: Record<string, unknown>,
): { currency: string; decimals: number } | undefined {
  const { currency, decimals } = values;
  if (currency === undefined && decimals === undefined) return undefined;
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
    throw new ZkAttestError('USAGE', '--currency is an ISO 4217 code, with --decimals');
  }
  if (typeof decimals !== 'string' || !/^([0-9]|1[0-8])$/.test(decimals)) {
    throw new ZkAttestError('USAGE', '--decimals is 0..18, with --currency');
  }
  return { currency, decimals: Number(decimals) };
}

function iso(asOf: number): string {
  return new Date(asOf * 1000).toISOString();
}

export const COMMANDS: Command[] = [snapshotCommit, prove, verify];

/**
 * Reads a package file, bounded: a large book's package (128 chunk proofs) is about 150 KB,
 * so a file past MAX_PACKAGE_BYTES is refused before it is read.
 */
function readPackageFile(file: string): unknown {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new ZkAttestError('PACKAGE_INVALID', `cannot read a JSON package from ${file}`);
  }
  if (size > MAX_PACKAGE_BYTES) {
    throw new ZkAttestError(
      'PACKAGE_INVALID',
      `${file} is larger than a package may be (${MAX_PACKAGE_BYTES} bytes)`,
      { bytes: size, max: MAX_PACKAGE_BYTES },
    );
  }
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ZkAttestError('PACKAGE_INVALID', `cannot read a JSON package from ${file}`);
  }
}
