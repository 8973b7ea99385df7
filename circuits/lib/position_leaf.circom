pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";

// PositionLeaf: range-checks one position and hashes it into a Merkle leaf.
//   private: assetId (field element), assetClass < 2^6, value < 2^64,
//            haircutBps <= 10000, yieldBps < 2^16
//   output:  leaf = Poseidon(assetId, assetClass, value, haircutBps, yieldBps)
// An empty slot is all zeros, so its leaf is the fixed padding leaf Poseidon(0,0,0,0,0)
// and it adds nothing to any sum.
template PositionLeaf() {
    signal input assetId;
    signal input assetClass;
    signal input value;
    signal input haircutBps;
    signal input yieldBps;
    signal output leaf;
    signal output classBits[6];

    // Every number that later enters a product or comparator is bounded here, once,
    // so no claim can wrap around the field with a "negative" amount.
    component valueBits = Num2Bits(64);
    valueBits.in <== value;

    component haircutBits = Num2Bits(14);
    haircutBits.in <== haircutBps;
    // Num2Bits(14) first: LessEqThan(14) is only sound for inputs below 2^14.
    component haircutMax = LessEqThan(14);
    haircutMax.in[0] <== haircutBps;
    haircutMax.in[1] <== 10000;
    haircutMax.out === 1;

    component classBitsOf = Num2Bits(6);
    classBitsOf.in <== assetClass;
    classBits <== classBitsOf.out;

    component yieldBits = Num2Bits(16);
    yieldBits.in <== yieldBps;

    component hash = Poseidon(5);
    hash.inputs[0] <== assetId;
    hash.inputs[1] <== assetClass;
    hash.inputs[2] <== value;
    hash.inputs[3] <== haircutBps;
    hash.inputs[4] <== yieldBps;
    leaf <== hash.out;
}
