/**
 * The packed calldata of POSTSPEC §2 and the head witness kinds of §3, byte for byte (no chain:
 * the token's side is test/contracts/post-calldata.test.ts). The bytes are read back here by
 * an independent reader that follows the spec's table, field by field.
 */
import { createHash } from 'node:crypto';
import { identityFxTableHash } from '../../src/chain/deploy';
import { headHash, witnessMatches } from '../../src/chain/head-witness';
import {
  advanceChainArgs,
  mintStructs,
  mintWithProofArgs,
  parseChainLink,
  postLargeProofArgs,
  postProofArgs,
  type HeadWitness,
  type MintPackage,
  type MintStructs,
} from '../../src/chain/mint-call';
import { encodeLink, FLAG_ALLOC, FLAG_FX, WitnessKind } from '../../src/chain/post-calldata';
import { allocationsHash, type AllocationTable } from '../../src/common/allocations';
import type { AttestationPackage } from '../../src/common/attestation-package';
import { signedSnapshotOf, snapshotDigest } from '../../src/common/signed-snapshot';
import {
  mintFixture,
  TestP256Key,
  testSignerSet,
  USD_HKD_TABLE,
  type FixtureOptions,
} from '../support/v2-mint-fixture';
import { AbiCoder, keccak256 } from 'ethers';

/** Reads big-endian fields off the front of a byte string, as the token does. */
class Reader {
  private at = 0;
  constructor(private readonly bytes: Buffer) {}
  static of(hex: string): Reader {
    return new Reader(Buffer.from(hex.slice(2), 'hex'));
  }
  uint(n: number): bigint {
    const v = this.take(n);
    return v.length === 0 ? 0n : BigInt(`0x${v.toString('hex')}`);
  }
  hex(n: number): string {
    return `0x${this.take(n).toString('hex')}`;
  }
  get left(): number {
    return this.bytes.length - this.at;
  }
  private take(n: number): Buffer {
    if (this.at + n > this.bytes.length) throw new Error('read past the end');
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
}

interface ReadLink {
  flags: number;
  epoch: bigint;
  prevCommitment: string;
  asOf: bigint;
  chunks: bigint;
  threshold: number;
  members: number;
  sigs: { index: number; x: bigint; y: bigint; r: bigint; s: bigint }[];
  otherKeyIds: string[];
  witness: { digest?: string; commitment?: bigint; epoch?: bigint; asOf?: bigint };
  fx?: { table: bigint; x: bigint; y: bigint; r: bigint; s: bigint; asOf: bigint };
  rows?: { chainId: bigint; token: string; amount: bigint }[];
}

/** POSTSPEC §2's link table, in order; the reader must end exactly at the end. */
function readLink(r: Reader): ReadLink {
  const flags = Number(r.uint(1));
  const head = {
    epoch: r.uint(8),
    prevCommitment: r.hex(32),
    asOf: r.uint(5),
    chunks: r.uint(2),
    threshold: Number(r.uint(1)),
    members: Number(r.uint(1)),
  };
  const k = Number(r.uint(1));
  const sigs = Array.from({ length: k }, () => ({
    index: Number(r.uint(1)),
    x: r.uint(32),
    y: r.uint(32),
    r: r.uint(32),
    s: r.uint(32),
  }));
  const otherKeyIds = Array.from({ length: head.members - k }, () => r.hex(32));
  const kind = flags & 3;
  const witness =
    kind === WitnessKind.prev
      ? { digest: r.hex(32), asOf: r.uint(5) }
      : kind === WitnessKind.full
        ? { digest: r.hex(32), commitment: r.uint(32), epoch: r.uint(8), asOf: r.uint(5) }
        : {};
  const fx =
    flags & FLAG_FX
      ? {
          table: r.uint(32),
          x: r.uint(32),
          y: r.uint(32),
          r: r.uint(32),
          s: r.uint(32),
          asOf: r.uint(5),
        }
      : undefined;
  const rows =
    flags & FLAG_ALLOC
      ? Array.from({ length: Number(r.uint(1)) }, () => ({
          chainId: r.uint(32),
          token: r.hex(20),
          amount: r.uint(8),
        }))
      : undefined;
  if (r.left !== 0) throw new Error(`${r.left} bytes after the link`);
  return {
    flags,
    ...head,
    sigs,
    otherKeyIds,
    witness,
    ...(fx ? { fx } : {}),
    ...(rows ? { rows } : {}),
  };
}

/** postProof's p: proof (8 words) ‖ commitment ‖ minCoverageBps ‖ capacity ‖ link. */
function readProofCalldata(hex: string) {
  const r = Reader.of(hex);
  const proof = Array.from({ length: 8 }, () => r.uint(32));
  const commitment = r.uint(32);
  const minCoverageBps = r.uint(2);
  const capacity = r.uint(8);
  return { proof, commitment, minCoverageBps, capacity, link: readLink(r) };
}

const byteLength = (hex: string) => (hex.length - 2) / 2;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const signer = new TestP256Key();
const base: FixtureOptions = {
  context: 5n,
  signer,
  currency: 'USD',
  decimals: 2,
  asOf: 1_700_000_000,
  capacity: 1000n,
  fxTable: 77n,
  commitment: 11n,
};
const ADDRESS = '0x00000000000000000000000000000000000000a1';

/** The head that is `p` itself: its digest, commitment, epoch and asOf. */
function headOf(p: AttestationPackage): NonNullable<HeadWitness> {
  return {
    digest: `0x${snapshotDigest(signedSnapshotOf(p).message)}`,
    commitment: BigInt(p.publicSignals.commitment),
    epoch: BigInt(p.snapshot.epoch),
    asOf: p.snapshot.asOf,
  };
}

describe('postProof / mintWithProof calldata (POSTSPEC §2)', () => {
  test('a 1-of-1 package on the identity table: 478 bytes, every field where the spec puts it', () => {
    const p = mintFixture(base);
    const [hex] = postProofArgs(p, null);
    // proof 256, commitment 32, minCoverageBps 2, capacity 8; flags, epoch, prevCommitment,
    // asOf, chunks, threshold, members, sigCount, one signature; no witness, no set id.
    expect(byteLength(hex)).toBe(256 + 32 + 2 + 8 + 1 + 8 + 32 + 5 + 2 + 1 + 1 + 1 + 129);
    const got = readProofCalldata(hex);
    // snarkjs' pi_b pairs (c0, c1) are sent (c1, c0), the pairing precompile's order.
    const statement = BigInt(p.publicSignals.statement);
    expect(got.proof).toEqual([1n, 2n, 4n, 3n, 6n, 5n, statement, 8n]);
    expect(got.commitment).toBe(11n);
    // The statement's context (5) is the token's to rebuild: only ratio and capacity travel.
    expect([got.minCoverageBps, got.capacity]).toEqual([12_000n, 1000n]);
    const sig = p.signatures[0]!.signature;
    expect(got.link).toEqual({
      flags: 0,
      epoch: 0n,
      prevCommitment: `0x${'0'.repeat(64)}`,
      asOf: 1_700_000_000n,
      chunks: 0n,
      threshold: 1,
      members: 1,
      sigs: [
        {
          index: 0,
          x: BigInt(`0x${signer.publicKey.x}`),
          y: BigInt(`0x${signer.publicKey.y}`),
          r: BigInt(`0x${sig.slice(0, 64)}`),
          s: BigInt(`0x${sig.slice(64)}`),
        },
      ],
      otherKeyIds: [],
      witness: {},
    });
    // The signed fields that are not sent: fxTable (the token's identity), allocations (0).
    expect(hex).not.toContain(77n.toString(16).padStart(64, '0'));
    // mintWithProof takes the same p after the receiver and amount.
    expect(mintWithProofArgs(p, ADDRESS, 9n, null)).toEqual([ADDRESS, 9n, hex]);
  });

  test('2 of 3 signed by members 2 and 0: signatures by index, then member 1’s keyId', () => {
    const t = testSignerSet(2, 3);
    const [k0, k1, k2] = t.keys as [TestP256Key, TestP256Key, TestP256Key];
    const p = mintFixture({
      ...base,
      set: t,
      signWith: [k2, k0],
      epoch: 3,
      prevCommitment: 'cd'.repeat(32),
    });
    const [hex] = postProofArgs(p, null);
    expect(byteLength(hex)).toBe(298 + 51 + 2 * 129 + 32);
    const { link } = readProofCalldata(hex);
    expect([link.threshold, link.members]).toEqual([2, 3]);
    expect(link.sigs.map((s) => [s.index, s.x])).toEqual([
      [0, BigInt(`0x${k0.publicKey.x}`)],
      [2, BigInt(`0x${k2.publicKey.x}`)],
    ]);
    expect(link.otherKeyIds).toEqual([`0x${k1.keyId}`]);
    expect([link.epoch, link.prevCommitment]).toEqual([3n, `0x${'cd'.repeat(32)}`]);
    // The token rebuilds keyIds (sha256(x ‖ y) at each signature's index) and hashes the set id.
    const keyIds: string[] = [];
    link.sigs.forEach((s) => {
      const xy = Buffer.from(
        s.x.toString(16).padStart(64, '0') + s.y.toString(16).padStart(64, '0'),
        'hex',
      );
      keyIds[s.index] = sha256(xy);
    });
    keyIds[1] = link.otherKeyIds[0]!.slice(2);
    const label = Buffer.alloc(32);
    label.write('zkattest.signerset.v2', 'ascii');
    const setId = sha256(
      Buffer.concat([label, Buffer.from([2]), ...keyIds.map((id) => Buffer.from(id, 'hex'))]),
    );
    // What the token derives: the set's registered id.
    expect(setId).toBe(t.set.setId);
    // All three sign: no keyId is listed.
    const all = readProofCalldata(
      postProofArgs(mintFixture({ ...base, set: t, signWith: t.keys }), null)[0],
    );
    expect([all.link.sigs.map((s) => s.index), all.link.otherKeyIds]).toEqual([[0, 1, 2], []]);
  });

  test('a member signing twice in 2 of 3: both go (the token names it), with n - k keyIds', () => {
    const t = testSignerSet(2, 3);
    const p = mintFixture({ ...base, set: t, signWith: [t.keys[1]!] });
    const twice = { ...p, signatures: [p.signatures[0]!, p.signatures[0]!] };
    const { link } = readProofCalldata(postProofArgs(twice, null)[0]);
    expect(link.sigs.map((s) => s.index)).toEqual([1, 1]);
    expect(link.otherKeyIds).toEqual([`0x${t.keys[0]!.keyId}`]);
  });

  test('a rate table other than the identity: fx flag, fxTable and the source’s attestation', () => {
    const source = new TestP256Key();
    const p = mintFixture({ ...base, table: USD_HKD_TABLE, fx: { source, asOf: 1_699_999_000 } });
    const [hex] = postProofArgs(p, null);
    expect(byteLength(hex)).toBe(478 + 32 + 133);
    const { link } = readProofCalldata(hex);
    expect(link.flags).toBe(FLAG_FX);
    const fxSig = p.fx.source!.signature;
    expect(link.fx).toEqual({
      table: 77n,
      x: BigInt(`0x${source.publicKey.x}`),
      y: BigInt(`0x${source.publicKey.y}`),
      r: BigInt(`0x${fxSig.slice(0, 64)}`),
      s: BigInt(`0x${fxSig.slice(64)}`),
      asOf: 1_699_999_000n,
    });
    // Without a source the section still goes, zero, for the token to name what is missing.
    const none = { ...p, fx: { table: USD_HKD_TABLE } };
    expect(readProofCalldata(postProofArgs(none, null)[0]).link.fx).toEqual({
      table: 77n,
      x: 0n,
      y: 0n,
      r: 0n,
      s: 0n,
      asOf: 0n,
    });
    // The identity table sends none, whatever source comes along.
    const identityWithSource = { ...p, fx: { ...p.fx, table: mintFixture(base).fx.table } };
    expect(byteLength(postProofArgs(identityWithSource, null)[0])).toBe(478);
  });

  test('an allocation table: alloc flag, row count and each row as chainId 32, token 20, amount 8', () => {
    const table: AllocationTable = {
      rows: [
        { chainId: '1', token: '0x00000000000000000000000000000000000000b1', amount: '600' },
        { chainId: '10', token: '0x00000000000000000000000000000000000000c2', amount: '400' },
      ],
    };
    const p = mintFixture({ ...base, allocations: table });
    expect(p.snapshot.allocations).toBe(allocationsHash(table));
    const [hex] = postProofArgs(p, null);
    expect(byteLength(hex)).toBe(478 + 1 + 2 * 60);
    const { link } = readProofCalldata(hex);
    expect(link.flags).toBe(FLAG_ALLOC);
    expect(link.rows).toEqual([
      { chainId: 1n, token: '0x00000000000000000000000000000000000000b1', amount: 600n },
      { chainId: 10n, token: '0x00000000000000000000000000000000000000c2', amount: 400n },
    ]);
    // fx and alloc together: fx section first.
    const both = mintFixture({
      ...base,
      allocations: table,
      table: USD_HKD_TABLE,
      fx: { source: signer, asOf: 1 },
    });
    const read = readProofCalldata(postProofArgs(both, null)[0]).link;
    expect(read.flags).toBe(FLAG_FX | FLAG_ALLOC);
    expect([read.fx?.table, read.rows?.length]).toEqual([77n, 2]);
  });
});

describe('head witness kinds (POSTSPEC §3)', () => {
  const p0 = mintFixture({ ...base, commitment: 100n });
  const p1 = mintFixture({
    ...base,
    commitment: 101n,
    epoch: 1,
    prevCommitment: 100n.toString(16).padStart(64, '0'),
    asOf: base.asOf + 60,
  });

  const linkOf = (p: MintPackage, head: HeadWitness) =>
    readProofCalldata(postProofArgs(p, head)[0]).link;

  test('none without a head; same (0 bytes) when the head is this snapshot', () => {
    expect(linkOf(p0, null).flags & 3).toBe(WitnessKind.none);
    const same = readProofCalldata(postProofArgs(p0, headOf(p0))[0]);
    expect(same.link.flags & 3).toBe(WitnessKind.same);
    expect(same.link.witness).toEqual({});
    expect(byteLength(postProofArgs(p0, headOf(p0))[0])).toBe(478);
    // The digest is sha256 of the signed message (V2SPEC), 0x-prefixed or not, any case.
    expect(mintStructs(p0).digest).toBe(headOf(p0).digest);
    const upper = { ...headOf(p0), digest: `0x${headOf(p0).digest.slice(2).toUpperCase()}` };
    expect(linkOf(p0, upper).flags & 3).toBe(WitnessKind.same);
  });

  test('prev (digest, asOf: 37 bytes) when the head is the link before: its commitment, epoch - 1', () => {
    const head = headOf(p0);
    const [hex] = postProofArgs(p1, head);
    expect(byteLength(hex)).toBe(478 + 37);
    const { link } = readProofCalldata(hex);
    expect(link.flags & 3).toBe(WitnessKind.prev);
    expect(link.witness).toEqual({ digest: head.digest, asOf: BigInt(head.asOf) });
  });

  test('full (77 bytes) for any other head: a gap, a rollback, another commitment, another message at the epoch', () => {
    const head = headOf(p0);
    const heads: NonNullable<HeadWitness>[] = [
      { ...head, epoch: 5n }, // p1 would roll back
      { ...head, commitment: 7n }, // epoch 0 but not p1's prevCommitment
      // Another message at p1's epoch: the token names it Equivocation.
      headOf(
        mintFixture({
          ...base,
          commitment: 999n,
          epoch: 1,
          prevCommitment: p1.snapshot.prevCommitment,
        }),
      ),
    ];
    for (const h of heads) {
      const [hex] = postProofArgs(p1, h);
      expect(byteLength(hex)).toBe(478 + 77);
      const { link } = readProofCalldata(hex);
      expect(link.flags & 3).toBe(WitnessKind.full);
      expect(link.witness).toEqual({
        digest: h.digest,
        commitment: h.commitment,
        epoch: h.epoch,
        asOf: BigInt(h.asOf),
      });
    }
    // Another message at epoch 0 with p1's prevCommitment as its commitment is p1's previous
    // link all the same: the chain links by commitment.
    const twin = headOf(mintFixture({ ...base, commitment: 100n, asOf: base.asOf + 1 }));
    expect(linkOf(p1, twin).flags & 3).toBe(WitnessKind.prev);
    // A gap: p2 (epoch 2) on head p0 (epoch 0), linked by commitment but not by epoch.
    const p2 = mintFixture({
      ...base,
      epoch: 2,
      prevCommitment: 100n.toString(16).padStart(64, '0'),
    });
    expect(linkOf(p2, head).flags & 3).toBe(WitnessKind.full);
    // Epoch 0 has no previous link, whatever the head's commitment.
    const zero = { ...head, epoch: 0n, commitment: 0n };
    const other = mintFixture({ ...base, commitment: 5n });
    expect(linkOf(other, zero).flags & 3).toBe(WitnessKind.full);
  });

  test('the head word: keccak256(abi.encode(digest, commitment, uint64 epoch, uint40 asOf)), bit 0 aside', () => {
    const h = headOf(p0);
    const encoded =
      h.digest.slice(2) +
      [h.commitment, h.epoch, BigInt(h.asOf)].map((v) => v.toString(16).padStart(64, '0')).join('');
    const word = BigInt(keccak256(`0x${encoded}`));
    expect(headHash(h)).toBe(word & ~1n);
    expect(
      AbiCoder.defaultAbiCoder().encode(
        ['bytes32', 'uint256', 'uint64', 'uint40'],
        [h.digest, h.commitment, h.epoch, h.asOf],
      ),
    ).toBe(`0x${encoded}`);
    expect(witnessMatches(h, word | 1n)).toBe(true);
    expect(witnessMatches(h, word & ~1n)).toBe(true);
    expect(witnessMatches({ ...h, asOf: h.asOf + 1 }, word)).toBe(false);
    expect(witnessMatches(h, word ^ 2n)).toBe(false);
  });
});

describe('advanceChain and postLargeProof calldata', () => {
  test('advanceChain: commitment ‖ link; the fx section only for a table other than the unit’s identity', async () => {
    const identity = await identityFxTableHash({ currency: 'USD', decimals: 2 });
    const p = mintFixture({
      ...base,
      fxTable: identity,
      epoch: 4,
      prevCommitment: 'ab'.repeat(32),
    });
    const [hex] = await advanceChainArgs(signedSnapshotOf(p), null);
    expect(byteLength(hex)).toBe(32 + 180);
    const r = Reader.of(hex);
    expect(r.uint(32)).toBe(11n);
    const link = readLink(r);
    expect(link.flags).toBe(0);
    expect([link.epoch, link.prevCommitment]).toEqual([4n, `0x${'ab'.repeat(32)}`]);
    // Its link is the package's mint link (same head, same bytes).
    expect(hex.slice(2 + 64)).toBe(postProofArgs(p, null)[0].slice(2 + 2 * 298));
    // 77 is no unit's identity table: sent, with a zero attestation from a bare signed snapshot,
    // the source's from a package.
    const fx = mintFixture({ ...base, table: USD_HKD_TABLE, fx: { source: signer, asOf: 3 } });
    const bare = readLink(
      ((x) => (x.uint(32), x))(Reader.of((await advanceChainArgs(signedSnapshotOf(fx), null))[0])),
    );
    expect(bare.flags).toBe(FLAG_FX);
    expect(bare.fx).toMatchObject({ table: 77n, x: 0n, asOf: 0n });
    const fromPackage = parseChainLink(JSON.parse(JSON.stringify(fx)));
    const full = readLink(
      ((x) => (x.uint(32), x))(Reader.of((await advanceChainArgs(fromPackage, null))[0])),
    );
    expect(full.fx).toMatchObject({ table: 77n, x: BigInt(`0x${signer.publicKey.x}`), asOf: 3n });
  });

  test('advanceChain of a split snapshot sends its rows, from its package; a bare signed snapshot is refused', async () => {
    const table: AllocationTable = {
      rows: [{ chainId: '1', token: '0x00000000000000000000000000000000000000b1', amount: '600' }],
    };
    const identity = await identityFxTableHash({ currency: 'USD', decimals: 2 });
    const p = mintFixture({ ...base, fxTable: identity, allocations: table });
    await expect(advanceChainArgs(signedSnapshotOf(p), null)).rejects.toMatchObject({
      code: 'SIGNED_SNAPSHOT_INVALID',
    });
    const link = parseChainLink(JSON.parse(JSON.stringify(p)));
    const [hex] = await advanceChainArgs(link, headOf(p));
    const r = Reader.of(hex);
    r.uint(32);
    const read = readLink(r);
    expect(read.flags).toBe(FLAG_ALLOC | WitnessKind.same);
    expect(read.rows).toEqual([{ chainId: 1n, token: table.rows[0]!.token, amount: 600n }]);
    // A signed snapshot as the API serves it parses to the same link without the package's parts.
    expect(parseChainLink(JSON.parse(JSON.stringify(signedSnapshotOf(p))))).toEqual(
      signedSnapshotOf(p),
    );
  });

  test('postLargeProof: chunk proofs and the final, one signal row each, and the link alone', () => {
    const p = mintFixture({ ...base });
    const chunkProof: MintPackage['proof'] = { ...p.proof, pi_a: ['9', '10', '1'] };
    const large = {
      ...p,
      snapshot: { ...p.snapshot, chunks: 2 },
      publicSignals: { ...p.publicSignals, chunkSet: '42' },
      chunks: [0, 1].map((k) => ({
        proof: chunkProof,
        publicSignals: { commitment: '11', fxTable: '77', accIn: String(k), accOut: String(k + 1) },
      })),
    } as MintPackage;
    const [proofs, signals, link] = postLargeProofArgs(large, null);
    expect(proofs.map((w) => w[0])).toEqual([9n, 9n, 1n]);
    expect(signals).toEqual([
      [11n, 77n, 0n, 1n],
      [11n, 77n, 1n, 2n],
      [11n, BigInt(p.publicSignals.statement), 77n, 42n],
    ]);
    const read = readLink(Reader.of(link));
    expect(read.chunks).toBe(2n);
    expect(byteLength(link)).toBe(180);
    expect(() => postLargeProofArgs(p, null)).toThrow(/no chunk proofs/);
  });
});

describe('refusals before any transaction', () => {
  test('a keyId that is not sha256 of its key, or a signer outside the set: PACKAGE_INVALID', () => {
    const t = testSignerSet(1, 2);
    const p = mintFixture({ ...base, set: t });
    const swapped = JSON.parse(JSON.stringify(p)) as typeof p;
    swapped.signatures[0]!.publicKey = t.keys.find(
      (k) => k.keyId !== p.signatures[0]!.keyId,
    )!.publicKey;
    expect(() => postProofArgs(swapped, null)).toThrow(/not sha256\(x \|\| y\) of its publicKey/);
    const outsider = mintFixture({ ...base, signer: new TestP256Key() }).signatures[0]!;
    expect(() => postProofArgs({ ...p, signatures: [outsider] }, null)).toThrow(
      expect.objectContaining({ code: 'PACKAGE_INVALID' }),
    );
  });

  test('more signatures than members, or a field wider than its bytes: PACKAGE_INVALID', () => {
    const p = mintFixture(base);
    const twice = { ...p, signatures: [p.signatures[0]!, p.signatures[0]!] };
    expect(() => postProofArgs(twice, null)).toThrow(/more signatures than the set has members/);
    const row = { chainId: 1n, token: ADDRESS, amount: 1n };
    const refusals: [string, (m: MintStructs) => void][] = [
      ['epoch', (m) => (m.snapshot.epoch = 1n << 64n)],
      ['asOf', (m) => (m.snapshot.asOf = 2 ** 40)],
      ['allocation rows', (m) => (m.allocations = new Array(256).fill(row))],
      ['allocation token', (m) => (m.allocations = [{ ...row, token: '0x12' }])],
    ];
    for (const [field, edit] of refusals) {
      const m = mintStructs(p);
      edit(m);
      expect(() => encodeLink(m, null)).toThrow(
        expect.objectContaining({ code: 'PACKAGE_INVALID', details: { field } }),
      );
    }
    // A malformed head witness is no witness to send.
    expect(() =>
      encodeLink(mintStructs(p), { ...headOf(p), digest: '0x12', commitment: 1n }),
    ).toThrow(
      expect.objectContaining({ code: 'PACKAGE_INVALID', details: { field: 'head digest' } }),
    );
  });
});
