pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";

// PositionLeaf: one leaf of the snapshot tree, holding 4 positions.
//   leaf = Poseidon(assetId_0, packed_0, ..., assetId_3, packed_3)
// A wide leaf costs one Poseidon(8) (402 constraints) for 4 positions, against 240 for each
// position hashed alone: it keeps a 32-position claim under 2^14 constraints. An empty slot
// is (0, 0); a leaf of four empty slots is the fixed padding leaf Poseidon(0, ..., 0).
template PositionLeaf() {
    signal input assetId[4];
    signal input packed[4];
    signal output leaf;

    component hash = Poseidon(8);
    for (var i = 0; i < 4; i++) {
        hash.inputs[2 * i] <== assetId[i];
        hash.inputs[2 * i + 1] <== packed[i];
    }
    leaf <== hash.out;
}
