pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";
include "position_leaf.circom";

// SnapshotRoot: root of the snapshot tree over N positions (N a multiple of 4, at most 64).
//   leaves: PositionLeaf over positions 4k .. 4k+3, in slot order
//   root  = Poseidon(leaf_0, ..., leaf_{N/4 - 1})   (one wide node, up to 16 leaves)
// A larger portfolio is split into chunks of N positions; each chunk's root is proven alone.
template SnapshotRoot(N) {
    assert(N % 4 == 0 && N >= 4 && N <= 64);
    var LEAVES = N \ 4;
    signal input assetId[N];
    signal input packed[N];
    signal output root;

    component leaves[LEAVES];
    component node = Poseidon(LEAVES);
    for (var k = 0; k < LEAVES; k++) {
        leaves[k] = PositionLeaf();
        for (var i = 0; i < 4; i++) {
            leaves[k].assetId[i] <== assetId[4 * k + i];
            leaves[k].packed[i] <== packed[4 * k + i];
        }
        node.inputs[k] <== leaves[k].leaf;
    }
    root <== node.out;
}
