pragma circom 2.1.6;

include "circomlib/circuits/mux1.circom";

// Select: out = values[index], with index given by its little-endian bits.
// A binary mux tree: 2^WIDTH - 1 constraints, versus two per entry for an equality scan.
// The caller must constrain indexBits to be bits (here they come from Num2Bits).
template Select(WIDTH) {
    var SIZE = 1 << WIDTH;
    signal input values[SIZE];
    signal input indexBits[WIDTH];
    signal output out;

    // Heap layout: node k has children 2k+1 and 2k+2, the entries sit at SIZE-1 .. 2*SIZE-2.
    // A node at depth d splits on index bit WIDTH-1-d (the most significant bit at the top).
    signal nodes[2 * SIZE - 1];
    for (var j = 0; j < SIZE; j++) {
        nodes[SIZE - 1 + j] <== values[j];
    }
    component mux[SIZE - 1];
    var depth = WIDTH - 1;
    for (var k = SIZE - 2; k >= 0; k--) {
        if (k + 1 < (1 << depth)) {
            depth--;
        }
        mux[k] = Mux1();
        mux[k].c[0] <== nodes[2 * k + 1];
        mux[k].c[1] <== nodes[2 * k + 2];
        mux[k].s <== indexBits[WIDTH - 1 - depth];
        nodes[k] <== mux[k].out;
    }
    out <== nodes[0];
}
