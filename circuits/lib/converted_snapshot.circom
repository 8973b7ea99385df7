pragma circom 2.1.6;

include "snapshot_commitment.circom";
include "fx_conversion.circom";

// ConvertedSnapshot: what every claim starts from. Opens the committed snapshot and converts
// each position into the reporting currency with the hashed FX table.
//   outputs: commitment, fxTable (the two public signals besides the claim's statement),
//            converted[i] (value_i * rate_i, reporting minor units * 10^12), classBits
template ConvertedSnapshot(N) {
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

    signal output commitment;
    signal output fxTable;
    signal output converted[N];
    signal output classBits[N][4];

    component snapshot = SnapshotCommitment(N);
    snapshot.assetId <== assetId;
    snapshot.assetClass <== assetClass;
    snapshot.currency <== currency;
    snapshot.value <== value;
    snapshot.haircutBps <== haircutBps;
    snapshot.yieldBps <== yieldBps;
    snapshot.liabilities <== liabilities;
    snapshot.salt <== salt;
    commitment <== snapshot.commitment;
    classBits <== snapshot.classBits;

    component fx = FxConversion(N);
    fx.meta <== fxMeta;
    fx.rate <== fxRate;
    fx.value <== value;
    fx.currencyBits <== snapshot.currencyBits;
    fxTable <== fx.tableHash;
    converted <== fx.converted;
}
