import { chainAnswer, chainReasons, type ChainLink } from '../../src/verifier';

const link = (epoch: number, o: Partial<ChainLink> = {}): ChainLink => ({
  setId: 'aa'.repeat(32),
  epoch,
  prevCommitment: epoch === 0 ? '00'.repeat(32) : `${epoch - 1}`.padStart(64, '0'),
  commitment: `${epoch}`.padStart(64, '0'),
  asOf: 1000 + epoch,
  digest: `d${epoch}`.padStart(64, '0'),
  ...o,
});

describe('chainAnswer', () => {
  it('starts an empty chain at the first epoch only', () => {
    expect(chainAnswer({ firstEpoch: 0 }, link(0))).toBe('extends');
    expect(chainAnswer({ firstEpoch: 3 }, link(3))).toBe('extends');
    expect(chainAnswer({ firstEpoch: 3 }, link(4))).toBe('gap');
    expect(chainAnswer({ firstEpoch: 3 }, link(2))).toBe('rollback');
    // The first link's prevCommitment may name a predecessor set's snapshot.
    expect(chainAnswer({ firstEpoch: 0 }, link(0, { prevCommitment: 'ff'.repeat(32) }))).toBe(
      'extends',
    );
  });

  it('extends the head by one epoch linked to its commitment, never dated earlier', () => {
    const head = link(4);
    expect(chainAnswer({ firstEpoch: 0, head }, link(5))).toBe('extends');
    expect(chainAnswer({ firstEpoch: 0, head }, link(5, { asOf: head.asOf }))).toBe('extends');
    expect(chainAnswer({ firstEpoch: 0, head }, link(5, { asOf: head.asOf - 1 }))).toBe('rollback');
    expect(chainAnswer({ firstEpoch: 0, head }, link(5, { prevCommitment: '01'.repeat(32) }))).toBe(
      'broken-link',
    );
    expect(chainAnswer({ firstEpoch: 0, head }, link(6))).toBe('gap');
    expect(chainAnswer({ firstEpoch: 0, head }, link(9))).toBe('gap');
  });

  it('knows a recorded epoch by its digest: the same is known, another is equivocation', () => {
    const head = link(4);
    expect(chainAnswer({ firstEpoch: 0, head, atEpoch: link(2) }, link(2))).toBe('known');
    expect(chainAnswer({ firstEpoch: 0, head, atEpoch: head }, link(4))).toBe('known');
    const other = link(4, { digest: 'ee'.repeat(32) });
    expect(chainAnswer({ firstEpoch: 0, head, atEpoch: head }, other)).toBe('equivocation');
    // Same commitment, other message (another as-of): still two snapshots for one epoch.
    const redated = link(2, { asOf: 5, digest: 'cc'.repeat(32) });
    expect(chainAnswer({ firstEpoch: 0, head, atEpoch: link(2) }, redated)).toBe('equivocation');
  });

  it('below the first epoch of a started chain is a rollback', () => {
    expect(chainAnswer({ firstEpoch: 2, head: link(3) }, link(1))).toBe('rollback');
  });

  it('maps answers to verdict reasons', () => {
    expect(chainReasons('extends')).toEqual([]);
    expect(chainReasons('known')).toEqual([]);
    expect(chainReasons('gap')).toEqual(['EPOCH_GAP']);
    expect(chainReasons('rollback')).toEqual(['EPOCH_ROLLBACK']);
    expect(chainReasons('broken-link')).toEqual(['PREV_COMMITMENT_MISMATCH']);
    expect(chainReasons('equivocation')).toEqual(['EQUIVOCATION']);
  });
});
