/**
 * Co-signing a snapshot by a signer set (k of n): the set's file, the snapshot message its
 * members sign, and `zkattest sign`, which each member runs on its own machine and which
 * says in plain words what it signs before writing a detached signature file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ZkAttestError, type ErrorCode } from '../common/errors';
import { checkedKeyId, parsePublicKey, type P256PublicKey } from '../common/p256';
import {
  SIGNER_KEY_FILE_TYPE,
  readSignerKeyFile,
  webCryptoSigner,
  type Signer,
} from '../common/p256-signer';
import {
  SIGNATURE_FILE_TYPE,
  messageBytes,
  messageFile,
  parseMessageFile,
  snapshotDigest,
  detachedSignatureReason,
  parseDetachedSignature,
  type DetachedSignature,
  type KeySignature,
  type MessageFile,
  type SnapshotMessageJson,
} from '../common/signed-snapshot';
import {
  buildSignerSet,
  parseSignerSet,
  setMembership,
  signerSetFile,
  type SignerSet,
  type SignerSetMembership,
} from '../common/signer-set';
import { ZERO_BYTES32 } from '../common/snapshot-message';
import { ClaimProver, loadPrimitives } from '../prover';
import { emitJson, repeatedOption, required, type Command } from './args';
import {
  ALLOCATIONS_OPTION,
  ALLOCATIONS_USAGE,
  SALTED_SNAPSHOT_OPTIONS,
  SNAPSHOT_INPUT_USAGE,
  allocationsOption,
  epochOptions,
  loadSaltedSnapshot,
} from './snapshot-input';

/** The JSON of a file, or `code` naming the file (never its content). */
export function readJsonFile(file: string, code: ErrorCode, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ZkAttestError(code, `cannot read ${what} (JSON) from ${file}`, { file });
  }
}

/** A signer-set file (`zkattest signer-set new`), checked. */
export function readSignerSetFile(file: string): SignerSet {
  return parseSignerSet(readJsonFile(file, 'SIGNER_SET_INVALID', 'a signer set'), 'signerSet');
}

const INLINE_KEY = /^(04)?([0-9a-fA-F]{64})([0-9a-fA-F]{64})$/;

/**
 * A member's public key from `--signer Label=<key>`: x||y in hex (128 digits, optionally 04
 * first), inline JSON `{x, y}`, or a file: what `keys new`/`keys show` print
 * (`{keyId, publicKey}`), a bare `{x, y}`, or a signer key file (its public half).
 */
async function memberPublicKey(text: string, field: string): Promise<P256PublicKey> {
  const hex = INLINE_KEY.exec(text);
  if (hex) return parsePublicKey({ x: hex[2]!.toLowerCase(), y: hex[3]!.toLowerCase() }, field);
  const json = text.trim().startsWith('{')
    ? parseInlineJson(text, field)
    : readJsonFile(text, 'KEY_FILE', 'a public key');
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ZkAttestError('KEY_MALFORMED', `${field}: not a public key`, { field });
  }
  const body = json as Record<string, unknown>;
  if (body.type === SIGNER_KEY_FILE_TYPE) return (await readSignerKeyFile(text)).key.publicKey;
  if (body.publicKey === undefined) return parsePublicKey(body, field);
  const publicKey = parsePublicKey(body.publicKey, field);
  if (body.keyId !== undefined) {
    checkedKeyId(publicKey, typeof body.keyId === 'string' ? body.keyId : String(body.keyId));
  }
  return publicKey;
}

function parseInlineJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new ZkAttestError('KEY_MALFORMED', `${field}: not JSON`, { field });
  }
}

const SET_NEW_USAGE = `zkattest signer-set new --threshold K --signer "<label>=<key>" ... [--out <set.json>]
    --signer "<label>=<key>"   one per member (1 to 8); <key> is a public key file as
                               \`zkattest keys new/show\` print it, a signer key file, JSON {x, y}
                               or x||y in hex; the label says who holds it ("Auditor: Firm B")
    --threshold K              how many distinct members must sign each snapshot (1..n)`;

const signerSetNew: Command = {
  name: 'signer-set new',
  summary: 'define a signer set: k of n labelled P-256 keys that co-sign snapshots',
  usage: SET_NEW_USAGE,
  options: {
    threshold: { type: 'string' },
    signer: { type: 'string', multiple: true },
    out: { type: 'string' },
  },
  async run(values) {
    const thresholdText = required(values, 'threshold', SET_NEW_USAGE);
    if (!/^[0-9]{1,2}$/.test(thresholdText)) {
      throw new ZkAttestError('USAGE', '--threshold is a small non-negative integer');
    }
    const specs = repeatedOption(values, 'signer');
    if (specs.length === 0)
      throw new ZkAttestError('USAGE', `--signer is required\n\n${SET_NEW_USAGE}`);
    const members = await Promise.all(
      specs.map(async (spec, i) => {
        const at = spec.indexOf('=');
        if (at < 0) throw new ZkAttestError('USAGE', `--signer ${i + 1}: "<label>=<key>"`);
        const field = `signer ${i + 1}`;
        return {
          label: spec.slice(0, at),
          publicKey: await memberPublicKey(spec.slice(at + 1), field),
        };
      }),
    );
    const set = buildSignerSet(Number(thresholdText), members);
    emitJson(values.out as string | undefined, signerSetFile(set), describeSet(set));
  },
};

/** The set in plain words: its id, k of n, and each member. */
export function describeSet(set: SignerSet): string[] {
  return [
    `signer set ${set.setId}: ${set.threshold} of ${set.signers.length} must sign`,
    ...set.signers.map((s) => `  ${s.label} (${s.keyId})`),
  ];
}

const MESSAGE_USAGE = `zkattest snapshot message <snapshot.csv|json> --set <set.json> [--out <message.json>]
    [--epoch N] [--prev-commitment <64 hex>]   the snapshot's place in the set's chain
                                              (default: epoch 0, no previous commitment)
    [--fx <signed-rates.json>] [--secret <file>]  as for \`snapshot commit\` and \`prove\`
${ALLOCATIONS_USAGE}
${SNAPSHOT_INPUT_USAGE}`;

const snapshotMessage: Command = {
  name: 'snapshot message',
  summary: "write the snapshot message a signer set's members sign (zkattest sign)",
  usage: MESSAGE_USAGE,
  options: {
    set: { type: 'string' },
    epoch: { type: 'string' },
    'prev-commitment': { type: 'string' },
    out: { type: 'string' },
    ...SALTED_SNAPSHOT_OPTIONS,
    ...ALLOCATIONS_OPTION,
  },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', MESSAGE_USAGE);
    const set = readSignerSetFile(required(values, 'set', MESSAGE_USAGE));
    const { snapshot, fx, salt, secretFile, created } = await loadSaltedSnapshot(file, values);
    const prover = new ClaimProver(await loadPrimitives());
    const message = prover.message(
      {
        snapshot,
        salt,
        ...(fx ? { fx } : {}),
        ...epochOptions(values),
        ...allocationsOption(values),
      },
      set.setId,
    );
    const body = messageFile(message);
    emitJson(values.out as string | undefined, body, [
      `salt ${created ? 'created in' : 'read from'} ${secretFile} (keep it onshore)`,
      ...describeMessage(body),
      `to be signed by ${set.threshold} of the ${set.signers.length} members (zkattest sign)`,
    ]);
  },
};

const iso = (asOf: number) => new Date(asOf * 1000).toISOString();

/** A snapshot message in plain words: what a signature over it vouches for. */
export function describeMessage({ message: m, digest }: MessageFile): string[] {
  const first = m.prevCommitment === ZERO_BYTES32;
  return [
    `snapshot message ${digest}`,
    `  signer set:          ${m.setId}`,
    `  epoch:               ${m.epoch}${first ? ' (no previous snapshot linked)' : ''}`,
    `  previous commitment: ${first ? 'none' : m.prevCommitment}`,
    `  commitment:          ${m.commitment}`,
    `  as of:               ${iso(m.asOf)}`,
    `  unit:                ${m.currency}, ${m.decimals} decimals`,
    `  FX table hash:       ${m.fxTableHash}`,
    `  allocations:         ${m.allocations === ZERO_BYTES32 ? 'none (no capacity split)' : m.allocations}`,
  ];
}

const SIGN_USAGE = `zkattest sign <message.json> --key <signer.key.json> [--out <signature.json>]
    [--set <set.json>]                 say whether the key is a member (refuse if it is not)
    [--snapshot <file> --secret <file> [--fx <signed-rates.json>] [--allocations <file>]]
                                       recompute the commitment from the book you see (and
                                       the allocation table's hash) and refuse to sign any other
${SNAPSHOT_INPUT_USAGE}`;

const sign: Command = {
  name: 'sign',
  summary: 'co-sign a snapshot message as a member of its signer set (detached signature)',
  usage: SIGN_USAGE,
  options: {
    key: { type: 'string' },
    out: { type: 'string' },
    set: { type: 'string' },
    snapshot: { type: 'string' },
    ...SALTED_SNAPSHOT_OPTIONS,
    ...ALLOCATIONS_OPTION,
  },
  async run(values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', SIGN_USAGE);
    const keyFile = required(values, 'key', SIGN_USAGE);
    // The digest must be the message's: a hand-edited file is refused (SIGNED_SNAPSHOT_INVALID).
    const body = parseMessageFile(readJsonFile(file, 'SIGNED_SNAPSHOT_INVALID', 'a message file'));
    const { message } = body;
    const { key, label } = await readSignerKeyFile(keyFile);
    const lines = ['you are signing:', ...describeMessage(body)];
    if (typeof values.snapshot === 'string') {
      await checkBookSeen(values.snapshot, values, message);
      lines.push(`  the book ${values.snapshot} gives this very message (commitment recomputed)`);
    } else if (
      values.secret !== undefined ||
      values.fx !== undefined ||
      values.allocations !== undefined
    ) {
      throw new ZkAttestError(
        'USAGE',
        `--secret, --fx and --allocations go with --snapshot\n\n${SIGN_USAGE}`,
      );
    }
    lines.push(`  your key:            ${key.keyId}${label ? ` (${label})` : ''}`);
    if (typeof values.set === 'string') lines.push(membership(values.set, message, key.keyId));
    const signer = await webCryptoSigner(key);
    const signature = await detachedSignature(signer, message);
    const out =
      typeof values.out === 'string'
        ? values.out
        : `${file.replace(/\.json$/, '')}.${signer.keyId.slice(0, 8)}.sig.json`;
    writeFileSync(out, `${JSON.stringify(signature, null, 2)}\n`);
    for (const line of lines) console.log(line);
    console.log(`detached signature written to ${out} (hand it to the prover)`);
  },
};

/**
 * The member line of `sign --set`: the message must be for that set and the key one of its
 * members (a signature that could never count is refused, not written).
 */
function membership(setFile: string, message: SnapshotMessageJson, keyId: string): string {
  const set = readSignerSetFile(setFile);
  if (set.setId !== message.setId) {
    throw new ZkAttestError(
      'SIGNED_SNAPSHOT_INVALID',
      `the message is for signer set ${message.setId}, not ${set.setId} (${setFile})`,
      { fields: 'message.setId' },
    );
  }
  const member = set.signers.find((s) => s.keyId === keyId);
  if (!member) {
    throw new ZkAttestError(
      'SNAPSHOT_SIGNATURES_REFUSED',
      `the key ${keyId} is not a member of signer set ${set.setId}: its signature would not count`,
      { reasons: 'SIGNER_NOT_IN_SET' },
    );
  }
  return `  member:              yes, "${member.label}", one of ${set.signers.length} (${set.threshold} must sign)`;
}

/**
 * Recomputes the message from the book the signer sees (its salt and rates) at the message's
 * set and chain place; any difference (another book, salt, rates, date or unit) refuses.
 */
async function checkBookSeen(
  snapshotFile: string,
  values: Record<string, string | boolean | undefined>,
  message: SnapshotMessageJson,
): Promise<void> {
  if (typeof values.secret !== 'string' || !existsSync(values.secret)) {
    // Without the book's own salt the commitment cannot match; never create one here.
    throw new ZkAttestError('USAGE', `--snapshot needs --secret: the book's existing salt file`);
  }
  const { snapshot, fx, salt } = await loadSaltedSnapshot(snapshotFile, values);
  const prover = new ClaimProver(await loadPrimitives());
  const seen = prover.message(
    {
      snapshot,
      salt,
      ...(fx ? { fx } : {}),
      epoch: message.epoch,
      prevCommitment: message.prevCommitment,
      ...allocationsOption(values),
    },
    message.setId,
  );
  if (snapshotDigest(seen) !== snapshotDigest(message)) {
    const differ = (Object.keys(message) as Array<keyof SnapshotMessageJson>).filter(
      (k) => seen[k] !== message[k],
    );
    throw new ZkAttestError(
      'SIGNED_SNAPSHOT_INVALID',
      `the message is not over the book ${snapshotFile}: ${differ.join(', ')} differ`,
      { fields: differ.join(',') },
    );
  }
}

const REFUSED_BECAUSE: Record<string, string> = {
  DIGEST_MISMATCH: 'signs another snapshot message (another book, chain place or set)',
  SIGNER_NOT_IN_SET: 'the key is not a member of the set',
  SIGNER_DUPLICATE: 'a second signature by the same member',
  SIGNATURE_INVALID: 'the signature does not check out',
};

/**
 * The co-signatures `prove --signatures` carries, from detached signature files.
 *
 * @throws ZkAttestError SNAPSHOT_SIGNATURES_REFUSED (see {@link admitSignatures}),
 *   SIGNED_SNAPSHOT_INVALID for a file that is not a detached signature.
 */
export function collectSignatures(
  set: SignerSet,
  message: SnapshotMessageJson,
  files: string[],
): { signerSet: SignerSetMembership; signatures: KeySignature[] } {
  const named = files
    .map((f) => f.trim())
    .filter((f) => f !== '')
    .map((file) => ({
      name: file,
      signature: parseDetachedSignature(
        readJsonFile(file, 'SIGNED_SNAPSHOT_INVALID', 'a detached signature'),
      ),
    }));
  return admitSignatures(set, message, named);
}

/**
 * Checks detached signatures one by one against `message` (the one the prover computes for
 * this book and chain place): each must be a member's valid signature of it, each member once,
 * and at least k of them. Anything else is refused by name, before anything is proved.
 *
 * @throws ZkAttestError SNAPSHOT_SIGNATURES_REFUSED with the reasons.
 */
export function admitSignatures(
  set: SignerSet,
  message: SnapshotMessageJson,
  named: ReadonlyArray<{ name: string; signature: DetachedSignature }>,
): { signerSet: SignerSetMembership; signatures: KeySignature[] } {
  const membership = setMembership(set);
  const signatures: KeySignature[] = [];
  const problems: string[] = [];
  const reasons = new Set<string>();
  for (const { name, signature: sig } of named) {
    const reason = signatures.some((s) => s.keyId === sig.keyId)
      ? 'SIGNER_DUPLICATE'
      : detachedSignatureReason(sig, message, membership.keyIds);
    if (reason) {
      problems.push(`${name}: ${REFUSED_BECAUSE[reason]} (${reason})`);
      reasons.add(reason);
    } else {
      signatures.push({ keyId: sig.keyId, publicKey: sig.publicKey, signature: sig.signature });
    }
  }
  if (problems.length === 0 && signatures.length < set.threshold) {
    reasons.add('THRESHOLD_NOT_MET');
    problems.push(
      `THRESHOLD_NOT_MET: ${signatures.length} valid signature(s), the set needs ${set.threshold}`,
    );
  }
  if (problems.length > 0) {
    throw new ZkAttestError(
      'SNAPSHOT_SIGNATURES_REFUSED',
      `the signatures do not make this snapshot signed by set ${set.setId}: ${problems.join('; ')}`,
      { reasons: [...reasons].join(',') },
    );
  }
  return { signerSet: membership, signatures };
}

/** A member's detached signature of a snapshot message (what `zkattest sign` writes). */
export async function detachedSignature(
  signer: Signer,
  message: SnapshotMessageJson,
): Promise<DetachedSignature> {
  return {
    type: SIGNATURE_FILE_TYPE,
    setId: message.setId,
    digest: snapshotDigest(message),
    keyId: signer.keyId,
    publicKey: signer.publicKey,
    signature: await signer.sign(messageBytes(message)),
  };
}

export const COSIGN_COMMANDS: Command[] = [signerSetNew, snapshotMessage, sign];
