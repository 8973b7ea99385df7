pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";
include "../lib/chunk_set.circom";
include "../lib/statement.circom";

// ConcentrationFinal: the concentration claim over a large book proved in chunks
// (LARGESPEC §5):
//   value > 0, maxC * 10000 <= maxShareBps * value, mask & ~allowedClasses == 0
//   (maxC = max c_j: per asset, as the chunks keep asset ids strictly increasing over the
//   book; mask = the classes of the held positions)
//   public outputs: commitment, statement = pack(context, maxShareBps, allowedClasses),
//                   fxTable, chunkSet
template ConcentrationFinal(MAX_DEPTH) {
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
    signal input maxShareBps;
    signal input allowedClasses;

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

    component empty = IsZero();
    empty.in <== accValue;
    empty.out === 0;

    // maxC * 10000 < 2^142; maxShareBps < 2^16 (Statement) and value < 2^140: < 2^156.
    component withinShare = LessEqThan(157);
    withinShare.in[0] <== accMaxC * 10000;
    withinShare.in[1] <== maxShareBps * accValue;
    withinShare.out === 1;

    // Every class held somewhere in the book is allowed.
    component allowedBits = Num2Bits(16);
    allowedBits.in <== allowedClasses;
    component heldBits = Num2Bits(16);
    heldBits.in <== accMask;
    for (var b = 0; b < 16; b++) {
        heldBits.out[b] * (1 - allowedBits.out[b]) === 0;
    }

    // allowedClasses < 2^16 is checked by allowedBits above.
    component packed = Statement(0);
    packed.context <== context;
    packed.paramA <== maxShareBps;
    packed.paramB <== allowedClasses;
    statement <== packed.packed;
}
