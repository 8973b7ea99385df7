pragma circom 2.1.6;

include "circomlib/circuits/poseidon.circom";

// MerkleRoot: root of a complete binary Poseidon tree over 2^DEPTH leaves.
// Node = Poseidon(left, right); leaves are in slot order.
template MerkleRoot(DEPTH) {
    var N = 1 << DEPTH;
    signal input leaves[N];
    signal output root;

    // Nodes stored heap-style: node k has children 2k+1 and 2k+2; leaves sit at N-1 .. 2N-2.
    signal nodes[2 * N - 1];
    for (var i = 0; i < N; i++) {
        nodes[N - 1 + i] <== leaves[i];
    }
    component hashers[N - 1];
    for (var k = N - 2; k >= 0; k--) {
        hashers[k] = Poseidon(2);
        hashers[k].inputs[0] <== nodes[2 * k + 1];
        hashers[k].inputs[1] <== nodes[2 * k + 2];
        nodes[k] <== hashers[k].out;
    }
    root <== nodes[0];
}
