pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";

// PositionLeaf: one leaf of the snapshot tree, holding 8 positions.
//   leaf = Poseidon(assetId_0, packed_0, ..., assetId_7, packed_7)
// A wide leaf is the cheapest way to hash many positions: Poseidon(16) costs about 38
// constraints per input against 50 for Poseidon(8) (and 120 for Poseidon(2)), which keeps a
// 32-position claim under 2^13 constraints, half the FFT domain. An empty slot is (0, 0).
template PositionLeaf() {
    signal input assetId[8];
    signal input packed[8];
    signal output leaf;

    component hash = Poseidon(16);
    for (var i = 0; i < 8; i++) {
        hash.inputs[2 * i] <== assetId[i];
        hash.inputs[2 * i + 1] <== packed[i];
    }
    leaf <== hash.out;
}
