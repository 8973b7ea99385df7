pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";
include "position_leaf.circom";

// SnapshotCommitmentHash: the salted commitment over N positions (N a multiple of 8, at most
// 112), in one node:
//   leaves:     PositionLeaf over positions 8k .. 8k+7, in slot order
//   commitment = Poseidon(leaf_0, ..., leaf_{N/8 - 1}, liabilities, salt)
// The leaves, liabilities and salt go into one Poseidon rather than a root and then a
// Poseidon(root, liabilities, salt): one permutation fewer (about 260 constraints).
template SnapshotCommitmentHash(N) {
    assert(N % 8 == 0 && N >= 8 && N <= 112);
    var LEAVES = N \ 8;
    signal input assetId[N];
    signal input packed[N];
    signal input liabilities;
    signal input salt;
    signal output commitment;

    component leaves[LEAVES];
    component node = Poseidon(LEAVES + 2);
    for (var k = 0; k < LEAVES; k++) {
        leaves[k] = PositionLeaf();
        for (var i = 0; i < 8; i++) {
            leaves[k].assetId[i] <== assetId[8 * k + i];
            leaves[k].packed[i] <== packed[8 * k + i];
        }
        node.inputs[k] <== leaves[k].leaf;
    }
    node.inputs[LEAVES] <== liabilities;
    node.inputs[LEAVES + 1] <== salt;
    commitment <== node.out;
}
