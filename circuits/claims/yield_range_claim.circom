pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/converted_snapshot.circom";
include "../lib/statement.circom";

// YieldRangeClaim: the value-weighted yield of the snapshot lies in a range, each position
// weighted by its value in the reporting currency.
//   minYieldBps * sum(c) <= sum(c_i * y_i) <= maxYieldBps * sum(c),  sum(c) > 0,
//   c_i = value_i * rate_i
//   public outputs: commitment, statement = pack(context, minYieldBps, maxYieldBps), fxTable
//   private: the positions, liabilities, salt, the FX table's rates
template YieldRangeClaim(N) {
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
    signal input minYieldBps;
    signal input maxYieldBps;

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

    // converted < 2^128 and yieldBps < 2^16 (PositionFields): each product < 2^144.
    signal weightedYield[N];
    var totalValue = 0;
    var totalYield = 0;
    for (var i = 0; i < N; i++) {
        weightedYield[i] <== book.converted[i] * yieldBps[i];
        totalValue += book.converted[i];
        totalYield += weightedYield[i];
    }

    // A weighted average of nothing is meaningless: an empty snapshot proves no yield.
    component empty = IsZero();
    empty.in <== totalValue;
    empty.out === 0;

    // The bounds are < 2^16 (Statement) and sum(c) < 2^134 (N <= 64): every side is < 2^150.
    signal lowerBound <== minYieldBps * totalValue;
    signal upperBound <== maxYieldBps * totalValue;
    var BITS = 150;

    component aboveMin = LessEqThan(BITS);
    aboveMin.in[0] <== lowerBound;
    aboveMin.in[1] <== totalYield;
    aboveMin.out === 1;

    component belowMax = LessEqThan(BITS);
    belowMax.in[0] <== totalYield;
    belowMax.in[1] <== upperBound;
    belowMax.out === 1;

    // maxYieldBps is bounded to 16 bits there, before the products above are trusted.
    component packed = Statement(16);
    packed.context <== context;
    packed.paramA <== minYieldBps;
    packed.paramB <== maxYieldBps;
    statement <== packed.packed;
}
