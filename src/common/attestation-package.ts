import { z } from 'zod';
import { CLAIM_NAMES } from '../claims/registry';
import { allocationTableSchema } from './allocations';
import { isBaseFieldElement, isFieldElement } from './field';
import { FIELD_ELEMENT_PATTERN, HEX64_PATTERN } from './ids';
import { canonicalJson, sha256Hex } from './hash';
import { publicKeyHexSchema, signaturesSchema, signerSetMembershipSchema } from './signed-snapshot';

const fieldString = z.string().regex(FIELD_ELEMENT_PATTERN, 'a decimal field element');

const groth16Proof = z.strictObject({
  pi_a: z.tuple([fieldString, fieldString, z.literal('1')]),
  pi_b: z.tuple([
    z.tuple([fieldString, fieldString]),
    z.tuple([fieldString, fieldString]),
    z.tuple([z.literal('1'), z.literal('0')]),
  ]),
  pi_c: z.tuple([fieldString, fieldString, z.literal('1')]),
  protocol: z.literal('groth16'),
  curve: z.literal('bn128'),
});

export const PACKAGE_TYPE = 'zkattest.attestation/v2';

const hex64 = z.string().regex(HEX64_PATTERN, '64 lowercase hex digits');
const hex128 = z.string().regex(/^[0-9a-f]{128}$/, '128 lowercase hex digits');
const currencyCode = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code');
const decimals = z.number().int().min(0).max(18);
const unixSeconds = z
  .number()
  .int()
  .min(0)
  .max(2 ** 40 - 1);
const rate = z.string().regex(/^[1-9][0-9]{0,19}$/, 'a positive decimal integer');

/** The FX table a proof converted with (public data: FX fixings), see src/common/fx-table.ts. */
const fxTableSchema = z.strictObject({
  reporting: z.strictObject({ currency: currencyCode, decimals }),
  rows: z
    .array(z.strictObject({ currency: currencyCode, decimals, rate }))
    .min(1)
    .max(8),
});

const publicKey = publicKeyHexSchema;

/** Most chunk proofs a large book's package holds: 2^7 chunks of 32 slots (4,096 positions). */
export const MAX_PACKAGE_CHUNKS = 128;

/**
 * Largest package accepted wherever one is read (CLI file, envelope payload): a 128-chunk
 * package is about 150 KB of JSON; 512 KiB keeps room for pretty-printing and stays bounded.
 */
export const MAX_PACKAGE_BYTES = 512 * 1024;

/** One chunk proof of a large book (LARGESPEC §6): public, it crosses the border. */
const chunkProofSchema = z.strictObject({
  publicSignals: z.strictObject({
    commitment: fieldString,
    fxTable: fieldString,
    accIn: fieldString,
    accOut: fieldString,
  }),
  proof: groth16Proof,
});

/** A chunk proof's public signals in circuit order (chunk-32). */
export const CHUNK_SIGNAL_ORDER = ['commitment', 'fxTable', 'accIn', 'accOut'] as const;

/**
 * An attestation package: the only thing that crosses the border. Strict at every level:
 * an unknown field is refused, so nothing can ride along unnoticed.
 */
export const attestationPackageSchema = z.strictObject({
  type: z.literal(PACKAGE_TYPE),
  claim: z.enum(CLAIM_NAMES),
  circuitId: z.string().regex(/^[a-z0-9-]{1,64}$/),
  vkeyHash: z.string().regex(HEX64_PATTERN),
  publicSignals: z.strictObject({
    commitment: fieldString,
    statement: fieldString,
    fxTable: fieldString,
    /** A large book's last accumulator (final circuits only, LARGESPEC §5). */
    chunkSet: fieldString.optional(),
  }),
  proof: groth16Proof,
  /** A large book's chunk proofs in chunk order: present iff the circuit is a final one. */
  chunks: z.array(chunkProofSchema).min(2).max(MAX_PACKAGE_CHUNKS).optional(),
  /** The signed snapshot message's fields besides the commitment (which is a public signal). */
  snapshot: z.strictObject({
    setId: hex64,
    epoch: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    prevCommitment: hex64,
    asOf: unixSeconds,
    currency: currencyCode,
    decimals,
    allocations: hex64,
    chunks: z
      .number()
      .int()
      .min(0)
      .max(2 ** 16 - 1),
  }),
  /** The signer set's threshold and keys: hashes to `snapshot.setId` when honest. */
  signerSet: signerSetMembershipSchema,
  /** Signatures of the snapshot message by at least `threshold` distinct keys of the set. */
  signatures: signaturesSchema,
  /** The rates the proof converted with; `source` signs them unless the table is the identity. */
  fx: z.strictObject({
    table: fxTableSchema,
    source: z
      .strictObject({ keyId: hex64, publicKey, asOf: unixSeconds, signature: hex128 })
      .optional(),
  }),
  /**
   * The coverage capacity split across deployments (public: chain ids, tokens, amounts); its
   * SHA-256 is the signed `snapshot.allocations`. Present iff that field is not zero.
   */
  allocations: allocationTableSchema.optional(),
  createdAt: z.iso.datetime(),
});

export type AttestationPackage = z.infer<typeof attestationPackageSchema>;

/** Public signals in circuit order (outputs: commitment, statement, fxTable). */
export const PUBLIC_SIGNAL_ORDER = ['commitment', 'statement', 'fxTable'] as const;

/** A large book's final proof adds chunkSet (LARGESPEC §5). */
export const FINAL_SIGNAL_ORDER = [...PUBLIC_SIGNAL_ORDER, 'chunkSet'] as const;

/** The public signals of a package's (final) proof in circuit order. */
export function packageSignals(pkg: AttestationPackage): string[] {
  const { commitment, statement, fxTable, chunkSet } = pkg.publicSignals;
  return chunkSet === undefined
    ? [commitment, statement, fxTable]
    : [commitment, statement, fxTable, chunkSet];
}

/** A package's identity: SHA-256 of its canonical JSON. */
export function packageId(pkg: AttestationPackage): string {
  return sha256Hex(canonicalJson(pkg));
}

/** Why an untrusted value is not an attestation package. */
export type PackageProblem =
  { kind: 'schema'; fields: string[] } | { kind: 'field'; fields: string[] };

/**
 * Checks an untrusted value against the strict package schema and the fields its numbers
 * live in (public signals < r, proof coordinates < q). Problems name paths, never values:
 * a refused package may be carrying exactly what must not be shown.
 */
export function checkPackage(
  candidate: unknown,
): { ok: true; package: AttestationPackage } | { ok: false; problem: PackageProblem } {
  const parsed = attestationPackageSchema.safeParse(candidate);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join('.') || '(root)');
    return { ok: false, problem: { kind: 'schema', fields } };
  }
  const pkg = parsed.data;
  // A final proof and its chunks come together: one without the other is no package.
  if ((pkg.publicSignals.chunkSet === undefined) !== (pkg.chunks === undefined)) {
    const field = pkg.chunks === undefined ? 'chunks' : 'publicSignals.chunkSet';
    return { ok: false, problem: { kind: 'schema', fields: [field] } };
  }
  const fields = [
    ...outOfField('', pkg.publicSignals, pkg.proof),
    ...(pkg.chunks ?? []).flatMap((chunk, k) =>
      outOfField(`chunks.${k}.`, chunk.publicSignals, chunk.proof),
    ),
  ];
  if (fields.length > 0) return { ok: false, problem: { kind: 'field', fields } };
  return { ok: true, package: pkg };
}

/** The paths of public signals >= r and proof coordinates >= q of one proof. */
function outOfField(
  prefix: string,
  signals: Record<string, string | undefined>,
  proof: AttestationPackage['proof'],
): string[] {
  return [
    ...Object.entries(signals)
      .filter(([, value]) => value !== undefined && !isFieldElement(BigInt(value)))
      .map(([name]) => `${prefix}publicSignals.${name}`),
    ...(['pi_a', 'pi_b', 'pi_c'] as const)
      .filter((k) => ![proof[k]].flat(2).every((c) => isBaseFieldElement(BigInt(c))))
      .map((k) => `${prefix}proof.${k}`),
  ];
}
