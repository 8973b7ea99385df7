pragma circom 2.1.6;

include "circomlib/circuits/comparators.circom";
include "../lib/signed_snapshot.circom";
include "../lib/statement.circom";

// CoverageClaim: the signed snapshot's haircut collateral covers its liabilities at a ratio.
//   sum(value_i * (10000 - haircutBps_i)) >= minCoverageBps * liabilities
//   public outputs: commitment, attestor (Poseidon of the key),
//                   statement = pack(context, asOf, minCoverageBps, liabilities)
//   private: the positions, salt, attestor key and signature
// For a token, liabilities is the capacity the proof covers: the supply it may back.
template CoverageClaim(N) {
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
    signal input minCoverageBps;

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

    // value < 2^64 and haircutBps <= 10000 are checked in SignedSnapshot, so each term is
    // < 2^77.3 and the sum of N <= 64 terms is < 2^83.3, far below the field.
    signal weighted[N];
    var total = 0;
    for (var i = 0; i < N; i++) {
        weighted[i] <== value[i] * (10000 - haircutBps[i]);
        total += weighted[i];
    }

    // minCoverageBps < 2^16 and liabilities < 2^64 (range-checked by Statement / SignedSnapshot).
    signal required <== minCoverageBps * liabilities;

    // Both sides are < 2^84 (required < 2^80), so an 84-bit comparator cannot wrap.
    component covered = GreaterEqThan(84);
    covered.in[0] <== total;
    covered.in[1] <== required;
    covered.out === 1;

    component packed = Statement();
    packed.context <== context;
    packed.asOf <== asOf;
    packed.paramA <== minCoverageBps;
    packed.paramB <== liabilities;
    statement <== packed.packed;
}
