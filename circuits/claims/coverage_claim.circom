pragma circom 2.1.6;

include "circomlib/circuits/comparators.circom";
include "../lib/converted_snapshot.circom";
include "../lib/statement.circom";

// CoverageClaim: the snapshot's haircut collateral, converted into the reporting currency,
// covers its liabilities at a ratio.
//   sum(value_i * rate_i * (10000 - haircutBps_i)) >= minCoverageBps * liabilities * 10^12
//   public outputs: commitment, statement = pack(context, minCoverageBps, liabilities), fxTable
//   private: the positions, salt, the FX table's rates
// For a token, liabilities is the capacity the proof covers: the supply it may back.
template CoverageClaim(N) {
    var FX_SCALE = 10 ** 12;
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
    signal input minCoverageBps;

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

    // converted < 2^128 and haircutBps <= 10000 (PositionFields), so each term is < 2^142
    // and the sum of N <= 64 terms is < 2^148, far below the field.
    signal weighted[N];
    var total = 0;
    for (var i = 0; i < N; i++) {
        weighted[i] <== book.converted[i] * (10000 - haircutBps[i]);
        total += weighted[i];
    }

    // minCoverageBps < 2^16 (Statement), liabilities < 2^64 (SnapshotCommitment), the scale
    // < 2^40: required < 2^120.
    signal required <== minCoverageBps * liabilities * FX_SCALE;

    // Both sides are < 2^148, so a 148-bit comparator cannot wrap.
    component covered = GreaterEqThan(148);
    covered.in[0] <== total;
    covered.in[1] <== required;
    covered.out === 1;

    // liabilities < 2^64 is checked by SnapshotCommitment.
    component packed = Statement(0);
    packed.context <== context;
    packed.paramA <== minCoverageBps;
    packed.paramB <== liabilities;
    statement <== packed.packed;
}
