pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "circomlib/circuits/poseidon.circom";
include "../lib/position_fields.circom";
include "../lib/position_leaf.circom";
include "../lib/fx_conversion.circom";
include "../lib/large_book.circom";

// ChunkStep: one chunk of SLOTS slots of a large book (LARGESPEC §4), folded into the hidden
// accumulator: accOut = the state after this chunk, from the state accIn opens to.
//   public outputs, in order: commitment, fxTable, accIn, accOut
//   private: the slots, the FX table, the chunk's Merkle path (siblings, active levels),
//            liabilities, salt, the accIn opening (acc*), newBlind
// The chunk's index is the opened n: chunk n sits at leaf n of the book tree, and accOut
// opens to n + 1, so a chain from START that a final closes at n = 2^d holds every chunk of
// the tree exactly once, in order. Filled slots' asset ids increase strictly across the
// whole chain (the opened `last`), so no asset is counted twice, even across chunks.
template ChunkStep(SLOTS, MAX_DEPTH) {
    assert(SLOTS % 8 == 0 && SLOTS >= 8 && SLOTS <= 128);
    var LEAVES = SLOTS \ 8;
    signal input assetId[SLOTS];
    signal input assetClass[SLOTS];
    signal input currency[SLOTS];
    signal input value[SLOTS];
    signal input haircutBps[SLOTS];
    signal input yieldBps[SLOTS];
    signal input fxMeta;
    signal input fxRate[8];
    signal input siblings[MAX_DEPTH];
    signal input active[MAX_DEPTH];
    signal input liabilities;
    signal input salt;
    signal input accN;
    signal input accCover;
    signal input accValue;
    signal input accYieldW;
    signal input accMaxC;
    signal input accMask;
    signal input accLast;
    signal input accBlind;
    signal input newBlind;

    signal output commitment;
    signal output fxTable;
    signal output accIn;
    signal output accOut;

    // 1. Fields, leaves, chunk root, conversion.
    component fields[SLOTS];
    component fx = FxConversion(SLOTS);
    component leaves[LEAVES];
    component chunkRoot = Poseidon(LEAVES);
    fx.meta <== fxMeta;
    fx.rate <== fxRate;
    fx.value <== value;
    for (var j = 0; j < SLOTS; j++) {
        fields[j] = PositionFields();
        fields[j].assetClass <== assetClass[j];
        fields[j].currency <== currency[j];
        fields[j].value <== value[j];
        fields[j].haircutBps <== haircutBps[j];
        fields[j].yieldBps <== yieldBps[j];
        fx.currencyBits[j] <== fields[j].currencyBits;
    }
    for (var k = 0; k < LEAVES; k++) {
        leaves[k] = PositionLeaf();
        for (var i = 0; i < 8; i++) {
            leaves[k].assetId[i] <== assetId[8 * k + i];
            leaves[k].packed[i] <== fields[8 * k + i].packed;
        }
        chunkRoot.inputs[k] <== leaves[k].leaf;
    }
    fxTable <== fx.tableHash;

    // 3. The chunk's place in the committed tree: leaf accN of a tree of depth sum(active).
    component path = ChunkPath(MAX_DEPTH);
    path.leaf <== chunkRoot.out;
    path.index <== accN;
    path.siblings <== siblings;
    path.active <== active;
    component book = BookCommitment(MAX_DEPTH);
    book.bookRoot <== path.root;
    book.active <== active;
    book.liabilities <== liabilities;
    book.salt <== salt;
    commitment <== book.commitment;

    // 4. The opening of accIn. Its fields need no range checks: accIn is START (all zero) or
    // the accOut of the previous chunk, which computed them from range-checked slots.
    component opened = AccumulatorHash();
    opened.n <== accN;
    opened.cover <== accCover;
    opened.value <== accValue;
    opened.yieldW <== accYieldW;
    opened.maxC <== accMaxC;
    opened.mask <== accMask;
    opened.last <== accLast;
    opened.blind <== accBlind;
    accIn <== opened.out;

    // 2. Ordering, and 4. the folded sums, max and class mask.
    component idBits[SLOTS];
    component empty[SLOTS];
    component after[SLOTS];
    component larger[SLOTS];
    component held[SLOTS];
    component classOf[SLOTS];
    signal last[SLOTS + 1];
    signal maxC[SLOTS + 1];
    signal filled[SLOTS];
    signal weighted[SLOTS];
    signal weightedYield[SLOTS];
    last[0] <== accLast;
    maxC[0] <== accMaxC;
    var cover = accCover;
    var total = accValue;
    var yieldW = accYieldW;
    for (var j = 0; j < SLOTS; j++) {
        // ids < 2^64 (LARGESPEC §1), so a 64-bit comparator orders them; last < 2^64 as it
        // is 0 or an earlier id.
        idBits[j] = Num2Bits(64);
        idBits[j].in <== assetId[j];
        empty[j] = IsZero();
        empty[j].in <== assetId[j];
        filled[j] <== 1 - empty[j].out;
        // An empty slot holds nothing, so it can be skipped by the ordering.
        empty[j].out * value[j] === 0;
        after[j] = LessThan(64);
        after[j].in[0] <== last[j];
        after[j].in[1] <== assetId[j];
        filled[j] * (1 - after[j].out) === 0;
        last[j + 1] <== last[j] + filled[j] * (assetId[j] - last[j]);

        // converted < 2^128 (FxConversion), maxC < 2^128 by induction from 0.
        larger[j] = LessThan(128);
        larger[j].in[0] <== maxC[j];
        larger[j].in[1] <== fx.converted[j];
        maxC[j + 1] <== maxC[j] + larger[j].out * (fx.converted[j] - maxC[j]);

        weighted[j] <== fx.converted[j] * (10000 - haircutBps[j]);
        weightedYield[j] <== fx.converted[j] * yieldBps[j];
        cover += weighted[j];
        total += fx.converted[j];
        yieldW += weightedYield[j];

        // The class of a held position (value != 0) joins the mask: an empty position of any
        // class is eligible, as in the 32-slot concentration claim.
        held[j] = IsZero();
        held[j].in <== value[j];
        classOf[j] = GatedOneHot();
        classOf[j].enable <== 1 - held[j].out;
        classOf[j].bits <== fields[j].classBits;
    }

    component maskBits = Num2Bits(16);
    maskBits.in <== accMask;
    component classSeen[16];
    var mask = 0;
    for (var b = 0; b < 16; b++) {
        var hits = maskBits.out[b];
        for (var j = 0; j < SLOTS; j++) {
            hits += classOf[j].out[b];
        }
        // hits <= SLOTS + 1: no wrap; the bit is set when any hit is.
        classSeen[b] = IsZero();
        classSeen[b].in <== hits;
        mask += (1 - classSeen[b].out) * (1 << b);
    }

    component folded = AccumulatorHash();
    folded.n <== accN + 1;
    folded.cover <== cover;
    folded.value <== total;
    folded.yieldW <== yieldW;
    folded.maxC <== maxC[SLOTS];
    folded.mask <== mask;
    folded.last <== last[SLOTS];
    folded.blind <== newBlind;
    accOut <== folded.out;
}
