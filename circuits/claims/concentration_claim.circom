pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/converted_snapshot.circom";
include "../lib/statement.circom";
include "../lib/select.circom";
include "../lib/one_slot_per_asset.circom";

// ConcentrationClaim: no asset is above a share of the total (in the reporting currency), and
// every position's asset class is in an allowed set.
//   for all i < j: assetId_i == assetId_j => value_i == 0      (one slot per asset)
//   for all i: c_i * 10000 <= maxShareBps * sum(c), c_i = value_i * rate_i   (per asset)
//   for all i: value_i == 0 or bit assetClass_i of allowedClasses is 1   (eligibility)
//   sum(c) > 0
//   public outputs: commitment, statement = pack(context, maxShareBps, allowedClasses), fxTable
//   private: the positions, liabilities, salt, the FX table's rates
// maxShareBps = 10000 turns the concentration test off; allowedClasses = 2^16-1 turns the
// eligibility test off (asset classes are 0..15).
template ConcentrationClaim(N) {
    signal input assetId[N];
    signal input assetClass[N];
    signal input currency[N];
    signal input value[N];
    signal input haircutBps[N];
    signal input yieldBps[N];
    signal input liabilities;
    signal input salt;
    signal input fxMeta;
    signal input fxRate[8];
    signal input context;
    signal input maxShareBps;
    signal input allowedClasses;

    signal output commitment;
    signal output statement;
    signal output fxTable;

    component book = ConvertedSnapshot(N);
    book.assetId <== assetId;
    book.assetClass <== assetClass;
    book.currency <== currency;
    book.value <== value;
    book.haircutBps <== haircutBps;
    book.yieldBps <== yieldBps;
    book.liabilities <== liabilities;
    book.salt <== salt;
    book.fxMeta <== fxMeta;
    book.fxRate <== fxRate;
    commitment <== book.commitment;
    fxTable <== book.fxTable;

    // Without it, one asset split over two slots passes a cap its total breaks.
    component perAsset = OneSlotPerAsset(N);
    perAsset.assetId <== assetId;
    perAsset.value <== value;

    var totalValue = 0;
    for (var i = 0; i < N; i++) {
        totalValue += book.converted[i];
    }
    component empty = IsZero();
    empty.in <== totalValue;
    empty.out === 0;

    // maxShareBps < 2^16 (Statement) and sum(c) < 2^134 (N <= 64).
    signal shareLimit <== maxShareBps * totalValue;

    // The allowed-set bitmask, one bit per asset class (classes are < 2^4, PositionFields).
    component allowedBits = Num2Bits(16);
    allowedBits.in <== allowedClasses;

    component withinShare[N];
    component allowed[N];
    for (var i = 0; i < N; i++) {
        // c_i * 10000 < 2^142 and shareLimit < 2^150: no wrap at 150 bits.
        withinShare[i] = LessEqThan(150);
        withinShare[i].in[0] <== book.converted[i] * 10000;
        withinShare[i].in[1] <== shareLimit;
        withinShare[i].out === 1;

        allowed[i] = Select(4);
        allowed[i].values <== allowedBits.out;
        allowed[i].indexBits <== book.classBits[i];
        // A position of a class outside the set must be empty.
        (1 - allowed[i].out) * value[i] === 0;
    }

    // allowedClasses < 2^16 is checked by allowedBits above.
    component packed = Statement(0);
    packed.context <== context;
    packed.paramA <== maxShareBps;
    packed.paramB <== allowedClasses;
    statement <== packed.packed;
}
