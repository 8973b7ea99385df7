pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/signed_snapshot.circom";
include "../lib/statement.circom";

// YieldRangeClaim: the value-weighted yield of the signed snapshot lies in a range.
//   minYieldBps * sum(v) <= sum(v_i * y_i) <= maxYieldBps * sum(v),  sum(v) > 0
//   public outputs: commitment, attestor, statement = pack(context, asOf, minYieldBps, maxYieldBps)
//   private: the positions, liabilities, salt, attestor key and signature
template YieldRangeClaim(N) {
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
    signal input minYieldBps;
    signal input maxYieldBps;

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

    // value < 2^64 and yieldBps < 2^16 (SignedSnapshot): each product < 2^80.
    signal weightedYield[N];
    var totalValue = 0;
    var totalYield = 0;
    for (var i = 0; i < N; i++) {
        weightedYield[i] <== value[i] * yieldBps[i];
        totalValue += value[i];
        totalYield += weightedYield[i];
    }

    // A weighted average of nothing is meaningless: an empty snapshot proves no yield.
    component empty = IsZero();
    empty.in <== totalValue;
    empty.out === 0;

    // Statement range-checks minYieldBps to 16 bits but maxYieldBps (its paramB) only to 64:
    // bound it to 16 bits here, before it enters a product and a comparator.
    component maxYieldBits = Num2Bits(16);
    maxYieldBits.in <== maxYieldBps;

    // The bounds are < 2^16 and sum(v) < 2^70 (N <= 64), so every side is < 2^86.
    signal lowerBound <== minYieldBps * totalValue;
    signal upperBound <== maxYieldBps * totalValue;
    var BITS = 86;

    component aboveMin = LessEqThan(BITS);
    aboveMin.in[0] <== lowerBound;
    aboveMin.in[1] <== totalYield;
    aboveMin.out === 1;

    component belowMax = LessEqThan(BITS);
    belowMax.in[0] <== totalYield;
    belowMax.in[1] <== upperBound;
    belowMax.out === 1;

    component packed = Statement();
    packed.context <== context;
    packed.asOf <== asOf;
    packed.paramA <== minYieldBps;
    packed.paramB <== maxYieldBps;
    statement <== packed.packed;
}
