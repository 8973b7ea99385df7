pragma circom 2.1.6;

include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/eddsaposeidon.circom";
include "circomlib/circuits/poseidon.circom";
include "position_fields.circom";
include "snapshot_root.circom";

// SignedSnapshot: opens a custodian snapshot and checks the attestor's signature on it.
//   private: up to N positions, liabilities < 2^64, salt, asOf (range-checked by Statement),
//            attestor public key (Ax, Ay), EdDSA-Poseidon signature (R8x, R8y, S)
//   outputs: commitment = Poseidon(root, liabilities, salt)
//            attestor   = Poseidon(Ax, Ay)
//            classBits of each position, for the eligibility check
// The attestor signs Poseidon(SNAPSHOT_DOMAIN, commitment, asOf); the domain tag keeps a
// signature made for any other Poseidon message from being accepted here.
template SignedSnapshot(N) {
    // "zkattest.snapshot.v1" as a big-endian integer
    var SNAPSHOT_DOMAIN = 0x7a6b6174746573742e736e617073686f742e7631;

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

    signal output commitment;
    signal output attestor;
    signal output classBits[N][4];

    component fields[N];
    component tree = SnapshotRoot(N);
    for (var i = 0; i < N; i++) {
        fields[i] = PositionFields();
        fields[i].assetClass <== assetClass[i];
        fields[i].value <== value[i];
        fields[i].haircutBps <== haircutBps[i];
        fields[i].yieldBps <== yieldBps[i];
        tree.assetId[i] <== assetId[i];
        tree.packed[i] <== fields[i].packed;
        classBits[i] <== fields[i].classBits;
    }

    component liabilitiesBits = Num2Bits(64);
    liabilitiesBits.in <== liabilities;

    // The salt (>= 128 random bits) blinds the root: without it, a commitment to a few
    // low-entropy amounts could be brute-forced.
    component commit = Poseidon(3);
    commit.inputs[0] <== tree.root;
    commit.inputs[1] <== liabilities;
    commit.inputs[2] <== salt;
    commitment <== commit.out;

    component message = Poseidon(3);
    message.inputs[0] <== SNAPSHOT_DOMAIN;
    message.inputs[1] <== commitment;
    message.inputs[2] <== asOf;

    // circomlib's verifier does not check that the points are on the curve; do it here.
    component keyOnCurve = BabyCheck();
    keyOnCurve.x <== attestorAx;
    keyOnCurve.y <== attestorAy;
    component rOnCurve = BabyCheck();
    rOnCurve.x <== sigR8x;
    rOnCurve.y <== sigR8y;

    component signature = EdDSAPoseidonVerifier();
    signature.enabled <== 1;
    signature.Ax <== attestorAx;
    signature.Ay <== attestorAy;
    signature.S <== sigS;
    signature.R8x <== sigR8x;
    signature.R8y <== sigR8y;
    signature.M <== message.out;

    component keyHash = Poseidon(2);
    keyHash.inputs[0] <== attestorAx;
    keyHash.inputs[1] <== attestorAy;
    attestor <== keyHash.out;
}
