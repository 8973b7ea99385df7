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
  loadSnapshotFile,
  newAttestorKey,
  readAttestorKey,
  snapshotCommitment,
  writeAttestorKey,
  MAX_POSITIONS,
  ALL_CLASSES,
  type ClaimParams,
} from '../prover';
import { VerificationKeyRegistry, verifyPackage } from '../verifier';
import { integerOption, required, type Command } from './args';

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
  usage: 'zkattest snapshot commit <snapshot.csv|json> [--secret <file>]',
  options: { secret: { type: 'string' } },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', this.usage);
    const snapshot = loadSnapshotFile(file);
    const secretFile = (values.secret as string | undefined) ?? defaultSecretPath(file);
    const { salt, created } = loadOrCreateSalt(secretFile);
    const p = await loadPrimitives();
    const commitment = snapshotCommitment(p, snapshot, salt, MAX_POSITIONS);
    console.log(
      `snapshot valid: ${snapshot.positions.length} positions, as of ${iso(snapshot.asOf)}`,
    );
    console.log(`salt ${created ? 'created in' : 'read from'} ${secretFile} (keep it onshore)`);
    console.log(`commitment: ${commitment}`);
  },
};

const CLAIM_OPTIONS = {
  snapshot: { type: 'string' },
  key: { type: 'string' },
  secret: { type: 'string' },
  context: { type: 'string' },
  out: { type: 'string' },
  'min-coverage-bps': { type: 'string' },
  'min-yield-bps': { type: 'string' },
  'max-yield-bps': { type: 'string' },
  'max-share-bps': { type: 'string' },
  'allowed-classes': { type: 'string' },
  'for-token': { type: 'string' },
} as const;

const PROVE_USAGE = `zkattest prove <claim> --snapshot <file> --key <file> --out <package.json>
    [--secret <file>] [--context <integer below 2^128, default: random>] [claim parameters]
    [--for-token <deployment.json>]   bind the proof to that token (chain id + address)

claims and their parameters:
  coverage        --min-coverage-bps N        collateral after haircuts >= N bps of liabilities
  yield-range     --min-yield-bps A --max-yield-bps B   value-weighted yield within [A, B] bps
  concentration   [--max-share-bps N] [--allowed-classes 0,1,2]
                  no position above N bps of the total (default 10000: off);
                  every asset class in the list (default: all 16 classes)`;

function claimParams(claim: string | undefined, v: Record<string, string | boolean | undefined>) {
  switch (claim) {
    case 'coverage':
      return { claim, minCoverageBps: integerOption(v, 'min-coverage-bps', PROVE_USAGE) };
    case 'yield-range':
      return {
        claim,
        minYieldBps: integerOption(v, 'min-yield-bps', PROVE_USAGE),
        maxYieldBps: integerOption(v, 'max-yield-bps', PROVE_USAGE),
      };
    case 'concentration': {
      const classes = v['allowed-classes'];
      let mask = ALL_CLASSES;
      if (typeof classes === 'string') {
        mask = 0n;
        for (const c of classes.split(',')) {
          if (!/^[0-9]+$/.test(c.trim()) || Number(c) > 15) {
            throw new ZkAttestError('USAGE', '--allowed-classes is a list of classes 0..15');
          }
          mask |= 1n << BigInt(c.trim());
        }
      }
      return {
        claim,
        maxShareBps: v['max-share-bps'] ? integerOption(v, 'max-share-bps', PROVE_USAGE) : 10000,
        allowedClasses: mask,
      };
    }
    default:
      throw new ZkAttestError('CLAIM_UNKNOWN', `unknown claim "${claim ?? ''}"\n\n${PROVE_USAGE}`);
  }
}

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
    const params = claimParams(claim, values) as ClaimParams;
    const snapshotFile = required(values, 'snapshot', PROVE_USAGE);
    const out = required(values, 'out', PROVE_USAGE);
    const snapshot = loadSnapshotFile(snapshotFile);
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
