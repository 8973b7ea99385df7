import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { readDeploymentFile } from '../chain/chain-client';
import { contractContext } from '../chain/context-binding';
import { ZkAttestError } from '../common/errors';
import {
  ClaimProver,
  clearForEgress,
  defaultSecretPath,
  loadOrCreateSalt,
  loadPrimitives,
  newAttestorKey,
  readAttestorKey,
  snapshotCommitment,
  writeAttestorKey,
} from '../prover';
import { CLAIM_NAMES, claimCliOptions, claimNamed, claimUsage, parseCliParams } from '../claims';
import { circuitEntryOf, loadManifest } from '../common/artifact-manifest';
import { circuitForClaim } from '../common/artifact-store';
import { VerificationKeyRegistry, verifyPackage } from '../verifier';
import { required, type Command } from './args';
import {
  SNAPSHOT_INPUT_OPTIONS,
  SNAPSHOT_INPUT_USAGE,
  loadSnapshotInput,
  unitsLine,
} from './snapshot-input';

const hex = (x: bigint) => `0x${x.toString(16)}`;

const keysNew: Command = {
  name: 'keys new',
  summary: 'create a Baby Jubjub EdDSA attestor key pair',
  usage: 'zkattest keys new [--out attestor.key.json]',
  options: { out: { type: 'string', default: 'attestor.key.json' } },
  async run(values) {
    const p = await loadPrimitives();
    const key = newAttestorKey(p);
    const out = values.out as string;
    try {
      writeAttestorKey(out, key);
    } catch {
      throw new ZkAttestError('KEY_FILE', `cannot create ${out} (does it exist already?)`);
    }
    console.log(`private key written to ${out} (mode 0600)`);
    console.log(`public key Ax: ${hex(key.publicKey[0])}`);
    console.log(`public key Ay: ${hex(key.publicKey[1])}`);
    console.log(`key hash (Poseidon(Ax, Ay)): ${key.keyHash}`);
  },
};

const snapshotCommit: Command = {
  name: 'snapshot commit',
  summary: 'validate a snapshot (CSV or JSON) and print its salted commitment',
  usage: `zkattest snapshot commit <snapshot.csv|json> [--secret <file>] [--claim <claim>]
${SNAPSHOT_INPUT_USAGE}`,
  options: { secret: { type: 'string' }, claim: { type: 'string' }, ...SNAPSHOT_INPUT_OPTIONS },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', this.usage);
    const snapshot = loadSnapshotInput(file, values);
    const slots = circuitSlots(snapshot.positions.length, values.claim as string | undefined);
    const secretFile = (values.secret as string | undefined) ?? defaultSecretPath(file);
    const { salt, created } = loadOrCreateSalt(secretFile);
    const p = await loadPrimitives();
    const commitment = snapshotCommitment(p, snapshot, salt, slots);
    console.log(
      `snapshot valid: ${snapshot.positions.length} positions, as of ${iso(snapshot.asOf)}`,
    );
    console.log(unitsLine(snapshot));
    console.log(`circuit slots: ${slots} (from the artifact manifest, as prove uses them)`);
    console.log(`salt ${created ? 'created in' : 'read from'} ${secretFile} (keep it onshore)`);
    console.log(`commitment: ${commitment}`);
  },
};

/**
 * The slot count of the circuit `prove` would use for this many positions (the commitment
 * depends on it): for the named claim, or the one count every claim's circuit agrees on.
 */
function circuitSlots(positions: number, claim: string | undefined): number {
  const manifest = loadManifest();
  const names = claim === undefined ? CLAIM_NAMES : [claimNamed(claim).name];
  const counts = new Set<number>();
  for (const name of names) {
    // The circuit `prove` picks (ClaimProver.circuitFor), so the commitment matches it.
    const id = circuitForClaim(manifest, name, positions);
    if (id !== undefined) counts.add(circuitEntryOf(manifest, id).maxPositions);
  }
  if (counts.size === 0) {
    throw new ZkAttestError('CIRCUIT_UNKNOWN', `no circuit holds ${positions} positions`);
  }
  if (counts.size > 1) {
    throw new ZkAttestError('USAGE', 'the claims differ in circuit slots: name one with --claim');
  }
  return [...counts][0]!;
}

const CLAIM_OPTIONS = {
  snapshot: { type: 'string' },
  key: { type: 'string' },
  secret: { type: 'string' },
  context: { type: 'string' },
  out: { type: 'string' },
  'for-token': { type: 'string' },
  ...SNAPSHOT_INPUT_OPTIONS,
  ...claimCliOptions(),
} as const;

const PROVE_USAGE = `zkattest prove <claim> --snapshot <file> --key <file> --out <package.json>
    [--secret <file>] [--context <integer below 2^128, default: random>] [claim parameters]
    [--for-token <deployment.json>]   bind the proof to that token (chain id + address)
${SNAPSHOT_INPUT_USAGE}

claims and their parameters:
${claimUsage()}`;

function tokenContext(deploymentFile: string): bigint {
  const d = readDeploymentFile(deploymentFile);
  return contractContext(BigInt(d.chainId), d.addresses.token);
}

function contextOption(text: string | undefined): bigint {
  if (text === undefined) return BigInt(`0x${randomBytes(16).toString('hex')}`);
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(text)) {
    throw new ZkAttestError('USAGE', '--context is a decimal or 0x-hex integer');
  }
  return BigInt(text);
}

const prove: Command = {
  name: 'prove',
  summary: 'sign a snapshot commitment and prove a claim about it',
  usage: PROVE_USAGE,
  options: CLAIM_OPTIONS,
  async run(values, [claim]) {
    const params = parseCliParams(claim, values, PROVE_USAGE);
    const snapshotFile = required(values, 'snapshot', PROVE_USAGE);
    const out = required(values, 'out', PROVE_USAGE);
    const snapshot = loadSnapshotInput(snapshotFile, values);
    const p = await loadPrimitives();
    const key = readAttestorKey(p, required(values, 'key', PROVE_USAGE));
    const secretFile = (values.secret as string | undefined) ?? defaultSecretPath(snapshotFile);
    const { salt } = loadOrCreateSalt(secretFile);
    const prover = new ClaimProver(p);
    const { package: pkg, proveMs } = await prover.prove({
      snapshot,
      salt,
      key,
      params,
      context:
        typeof values['for-token'] === 'string'
          ? tokenContext(values['for-token'])
          : contextOption(values.context as string | undefined),
    });
    const cleared = clearForEgress(pkg);
    writeFileSync(out, cleared.bytes);
    console.log(`${params.claim} proved in ${(proveMs / 1000).toFixed(2)} s on ${pkg.circuitId}`);
    console.log(`package ${cleared.id} written to ${out}`);
  },
};

const verify: Command = {
  name: 'verify',
  summary: 'check a package against the committed verification key and say what it means',
  usage: 'zkattest verify <package.json> [--allow-development-keys]',
  options: { 'allow-development-keys': { type: 'boolean' } },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', this.usage);
    let candidate: unknown;
    try {
      candidate = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      throw new ZkAttestError('PACKAGE_INVALID', `cannot read a JSON package from ${file}`);
    }
    const registry = VerificationKeyRegistry.fromArtifacts({
      allowDevelopment: values['allow-development-keys'] === true,
    });
    const verdict = await verifyPackage(candidate, registry);
    console.log(
      `${verdict.valid ? 'VALID' : 'INVALID'} ${verdict.claim} proof (${verdict.circuitId})`,
    );
    console.log(`meaning: ${verdict.meaning}`);
    if (verdict.publicValues) {
      console.log(`snapshot commitment: ${verdict.publicValues.commitment}`);
      console.log(`attestor key hash:   ${verdict.publicValues.attestor}`);
      console.log(`context:             ${verdict.publicValues.context}`);
    }
    if (!verdict.valid) {
      console.log(`reasons: ${verdict.reasons.join(', ')}`);
      process.exitCode = 1;
    }
  },
};

function iso(asOf: number): string {
  return new Date(asOf * 1000).toISOString();
}

export const COMMANDS: Command[] = [keysNew, snapshotCommit, prove, verify];
