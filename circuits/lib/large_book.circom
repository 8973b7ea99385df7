pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";

// The pieces a chunk proof and a final proof of a large book share (LARGESPEC §2-§5).
// A large book is C = 2^d chunks of 32 slots (1 <= d <= MAX_DEPTH), committed as
//   commitment = Poseidon(bookRoot, d, liabilities, salt)
// with bookRoot the Poseidon(2) Merkle root over the chunks' roots, and proved chunk by chunk
// through hidden accumulators acc = Poseidon(n, cover, value, yieldW, maxC, mask, last, blind).

// AccumulatorHash: the hidden state after n chunks. The blind (fresh per chunk) hides the sums
// from everyone who sees the public accIn / accOut; Poseidon binds every field to it.
template AccumulatorHash() {
    signal input n;
    signal input cover;
    signal input value;
    signal input yieldW;
    signal input maxC;
    signal input mask;
    signal input last;
    signal input blind;
    signal output out;

    component hash = Poseidon(8);
    hash.inputs[0] <== n;
    hash.inputs[1] <== cover;
    hash.inputs[2] <== value;
    hash.inputs[3] <== yieldW;
    hash.inputs[4] <== maxC;
    hash.inputs[5] <== mask;
    hash.inputs[6] <== last;
    hash.inputs[7] <== blind;
    out <== hash.out;
}

// BookCommitment: the depth d of the book's tree, given as active[] (a prefix of ones:
// active_0 = 1, then active_{l+1} = 1 only if active_l = 1), and the salted commitment.
//   outputs: commitment = Poseidon(bookRoot, d, liabilities, salt), d = sum(active)
// The commitment binds d, so every proof about one commitment sees the same tree shape.
// liabilities < 2^64 is checked here, once.
template BookCommitment(MAX_DEPTH) {
    signal input bookRoot;
    signal input active[MAX_DEPTH];
    signal input liabilities;
    signal input salt;
    signal output commitment;
    signal output depth;

    active[0] === 1;
    var d = 0;
    for (var l = 0; l < MAX_DEPTH; l++) {
        active[l] * (1 - active[l]) === 0;
        if (l > 0) {
            active[l] * (1 - active[l - 1]) === 0;
        }
        d += active[l];
    }
    depth <== d;

    component liabilitiesBits = Num2Bits(64);
    liabilitiesBits.in <== liabilities;

    component hash = Poseidon(4);
    hash.inputs[0] <== bookRoot;
    hash.inputs[1] <== depth;
    hash.inputs[2] <== liabilities;
    hash.inputs[3] <== salt;
    commitment <== hash.out;
}

// ChunkPath: the root of a tree of depth d (levels l < d active) from the leaf at `index`.
//   index < 2^MAX_DEPTH, and its bits above the depth are 0 (index < 2^d): a chunk cannot
//   claim a position outside the tree, where an inactive level would ignore its bit.
//   node_0 = leaf; h_l = Poseidon(b_l ? sibling_l : node_l, b_l ? node_l : sibling_l);
//   node_{l+1} = active_l ? h_l : node_l; root = node_MAX_DEPTH.
// The caller must constrain active[] (BookCommitment does).
template ChunkPath(MAX_DEPTH) {
    signal input leaf;
    signal input index;
    signal input siblings[MAX_DEPTH];
    signal input active[MAX_DEPTH];
    signal output root;

    component indexBits = Num2Bits(MAX_DEPTH);
    indexBits.in <== index;

    signal node[MAX_DEPTH + 1];
    signal left[MAX_DEPTH];
    component hash[MAX_DEPTH];
    node[0] <== leaf;
    for (var l = 0; l < MAX_DEPTH; l++) {
        indexBits.out[l] * (1 - active[l]) === 0;
        left[l] <== node[l] + indexBits.out[l] * (siblings[l] - node[l]);
        hash[l] = Poseidon(2);
        hash[l].inputs[0] <== left[l];
        hash[l].inputs[1] <== node[l] + siblings[l] - left[l];
        node[l + 1] <== node[l] + active[l] * (hash[l].out - node[l]);
    }
    root <== node[MAX_DEPTH];
}

// GatedOneHot: out[k] = enable * (bits == k), for 4 little-endian bits (15 constraints).
// The caller must constrain enable and bits to be bits.
template GatedOneHot() {
    signal input enable;
    signal input bits[4];
    signal output out[16];

    // level[k] holds 2^(k+1) entries: entry i is enable * (the low k+1 bits == i).
    signal level[4][16];
    level[0][1] <== enable * bits[0];
    level[0][0] <== enable - level[0][1];
    for (var k = 1; k < 4; k++) {
        var half = 1 << k;
        for (var i = 0; i < half; i++) {
            level[k][i + half] <== level[k - 1][i] * bits[k];
            level[k][i] <== level[k - 1][i] - level[k][i + half];
        }
    }
    for (var i = 0; i < 16; i++) {
        out[i] <== level[3][i];
    }
}
