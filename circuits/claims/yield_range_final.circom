pragma circom 2.1.6;

include "circomlib/circuits/comparators.circom";
include "../lib/chunk_set.circom";
include "../lib/statement.circom";

// YieldRangeFinal: the yield-range claim over a large book proved in chunks (LARGESPEC §5):
//   value > 0, minYieldBps * value <= yieldW <= maxYieldBps * value
//   (value = sum c_j, yieldW = sum c_j * yieldBps_j)
//   public outputs: commitment, statement = pack(context, minYieldBps, maxYieldBps),
//                   fxTable, chunkSet
template YieldRangeFinal(MAX_DEPTH) {
    signal input bookRoot;
    signal input active[MAX_DEPTH];
    signal input liabilities;
    signal input salt;
    signal input fxTableHash;
    signal input accN;
    signal input accCover;
    signal input accValue;
    signal input accYieldW;
    signal input accMaxC;
    signal input accMask;
    signal input accLast;
    signal input accBlind;
    signal input context;
    signal input minYieldBps;
    signal input maxYieldBps;

    signal output commitment;
    signal output statement;
    signal output fxTable;
    signal output chunkSet;

    component set = ChunkSet(MAX_DEPTH);
    set.bookRoot <== bookRoot;
    set.active <== active;
    set.liabilities <== liabilities;
    set.salt <== salt;
    set.fxTableHash <== fxTableHash;
    set.accN <== accN;
    set.accCover <== accCover;
    set.accValue <== accValue;
    set.accYieldW <== accYieldW;
    set.accMaxC <== accMaxC;
    set.accMask <== accMask;
    set.accLast <== accLast;
    set.accBlind <== accBlind;
    commitment <== set.commitment;
    fxTable <== set.fxTable;
    chunkSet <== set.chunkSet;

    // A weighted average of nothing is meaningless: an empty book proves no yield.
    component empty = IsZero();
    empty.in <== accValue;
    empty.out === 0;

    // The bounds are < 2^16 (Statement) and value < 2^140: both sides < 2^156, and
    // yieldW < 2^156 (ChunkSet). A 157-bit comparator cannot wrap.
    signal lowerBound <== minYieldBps * accValue;
    signal upperBound <== maxYieldBps * accValue;
    var BITS = 157;
    component aboveMin = LessEqThan(BITS);
    aboveMin.in[0] <== lowerBound;
    aboveMin.in[1] <== accYieldW;
    aboveMin.out === 1;
    component belowMax = LessEqThan(BITS);
    belowMax.in[0] <== accYieldW;
    belowMax.in[1] <== upperBound;
    belowMax.out === 1;

    // maxYieldBps is bounded to 16 bits there, before the products above are trusted.
    component packed = Statement(16);
    packed.context <== context;
    packed.paramA <== minYieldBps;
    packed.paramB <== maxYieldBps;
    statement <== packed.packed;
}
