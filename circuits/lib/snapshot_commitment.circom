pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "position_fields.circom";
include "snapshot_root.circom";

// SnapshotCommitment: opens a custodian snapshot against its salted commitment.
//   private: up to N positions, liabilities < 2^64, salt
//   outputs: commitment = Poseidon(leaf_0, ..., leaf_{N/8-1}, liabilities, salt)
//            classBits and currencyBits of each position
// The signers' P-256 signatures over the commitment are checked beside the proof by every
// verifier (statement v2): nothing private is signed, so the circuit need not see them.
template SnapshotCommitment(N) {
    signal input assetId[N];
    signal input assetClass[N];
    signal input currency[N];
    signal input value[N];
    signal input haircutBps[N];
    signal input yieldBps[N];
    signal input liabilities;
    signal input salt;

    signal output commitment;
    signal output classBits[N][4];
    signal output currencyBits[N][3];

    component fields[N];
    component tree = SnapshotCommitmentHash(N);
    for (var i = 0; i < N; i++) {
        fields[i] = PositionFields();
        fields[i].assetClass <== assetClass[i];
        fields[i].currency <== currency[i];
        fields[i].value <== value[i];
        fields[i].haircutBps <== haircutBps[i];
        fields[i].yieldBps <== yieldBps[i];
        tree.assetId[i] <== assetId[i];
        tree.packed[i] <== fields[i].packed;
        classBits[i] <== fields[i].classBits;
        currencyBits[i] <== fields[i].currencyBits;
    }

    component liabilitiesBits = Num2Bits(64);
    liabilitiesBits.in <== liabilities;

    // The salt (>= 128 random bits) blinds the commitment: without it, a commitment to a few
    // low-entropy amounts could be brute-forced.
    tree.liabilities <== liabilities;
    tree.salt <== salt;
    commitment <== tree.commitment;
}
