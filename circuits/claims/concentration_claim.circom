pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/signed_snapshot.circom";
include "../lib/statement.circom";
include "../lib/select_bit.circom";
include "../lib/one_slot_per_asset.circom";

// ConcentrationClaim: no asset is above a share of the total, and every position's asset
// class is in an allowed set.
//   for all i < j: assetId_i == assetId_j => value_i == 0      (one slot per asset)
//   for all i: value_i * 10000 <= maxShareBps * sum(v)          (concentration, so per asset)
//   for all i: value_i == 0 or bit assetClass_i of allowedClasses is 1   (eligibility)
//   sum(v) > 0
//   public outputs: commitment, attestor,
//                   statement = pack(context, asOf, maxShareBps, allowedClasses)
//   private: the positions, liabilities, salt, attestor key and signature
// maxShareBps = 10000 turns the concentration test off; allowedClasses = 2^16-1 turns the
// eligibility test off (asset classes are 0..15).
template ConcentrationClaim(N) {
    signal input assetId[N];
    signal input assetClass[N];
    signal input value[N];
    signal input haircutBps[N];
    signal input yieldBps[N];
    signal input liabilities;
    signal input salt;
    signal input asOf;
    signal input attestorAx;
    signal input attestorAy;
    signal input sigR8x;
    signal input sigR8y;
    signal input sigS;
    signal input context;
    signal input maxShareBps;
    signal input allowedClasses;

    signal output commitment;
    signal output attestor;
    signal output statement;

    component snapshot = SignedSnapshot(N);
    snapshot.assetId <== assetId;
    snapshot.assetClass <== assetClass;
    snapshot.value <== value;
    snapshot.haircutBps <== haircutBps;
    snapshot.yieldBps <== yieldBps;
    snapshot.liabilities <== liabilities;
    snapshot.salt <== salt;
    snapshot.asOf <== asOf;
    snapshot.attestorAx <== attestorAx;
    snapshot.attestorAy <== attestorAy;
    snapshot.sigR8x <== sigR8x;
    snapshot.sigR8y <== sigR8y;
    snapshot.sigS <== sigS;
    commitment <== snapshot.commitment;
    attestor <== snapshot.attestor;

    // Without it, one asset split over two slots passes a cap its total breaks.
    component perAsset = OneSlotPerAsset(N);
    perAsset.assetId <== assetId;
    perAsset.value <== value;

    var totalValue = 0;
    for (var i = 0; i < N; i++) {
        totalValue += value[i];
    }
    component empty = IsZero();
    empty.in <== totalValue;
    empty.out === 0;

    // maxShareBps < 2^16 (Statement) and sum(v) < 2^70 (N <= 64).
    signal shareLimit <== maxShareBps * totalValue;

    // The allowed-set bitmask, one bit per asset class (classes are < 2^4, SignedSnapshot).
    component allowedBits = Num2Bits(16);
    allowedBits.in <== allowedClasses;

    component withinShare[N];
    component allowed[N];
    for (var i = 0; i < N; i++) {
        // value_i * 10000 < 2^78 and shareLimit < 2^86: no wrap at 86 bits.
        withinShare[i] = LessEqThan(86);
        withinShare[i].in[0] <== value[i] * 10000;
        withinShare[i].in[1] <== shareLimit;
        withinShare[i].out === 1;

        allowed[i] = SelectBit(4);
        allowed[i].bits <== allowedBits.out;
        allowed[i].indexBits <== snapshot.classBits[i];
        // A position of a class outside the set must be empty.
        (1 - allowed[i].out) * value[i] === 0;
    }

    component packed = Statement();
    packed.context <== context;
    packed.asOf <== asOf;
    packed.paramA <== maxShareBps;
    packed.paramB <== allowedClasses;
    statement <== packed.packed;
}
