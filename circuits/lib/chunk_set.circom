pragma circom 2.1.6;

include "large_book.circom";

// ChunkSet: what every final proof of a large book starts from (LARGESPEC §5). Opens the
// commitment to the depth d and the last chunk's accumulator (chunkSet) to the book's totals.
//   outputs: commitment, fxTable, chunkSet (public beside the claim's statement)
//   totals:  cover, value, yieldW, maxC, mask as the opening gives them
// n = 2^d: the chain behind chunkSet went from START through exactly one chunk per leaf of
// the committed tree (each chunk proves leaf n and steps n by one). The totals need no range
// checks: the chunks computed them from range-checked slots (cover < 2^154, value < 2^140,
// yieldW < 2^156, maxC < 2^128, mask < 2^16 for at most 2^7 chunks of 32 slots).
// fxTable is passed through, not recomputed: the final never reads a rate, the chunks
// computed every converted value under the table they hash, and a verifier checks that each
// chunk's fxTable equals the final's (and the signed table's).
template ChunkSet(MAX_DEPTH) {
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

    signal output commitment;
    signal output fxTable;
    signal output chunkSet;

    component book = BookCommitment(MAX_DEPTH);
    book.bookRoot <== bookRoot;
    book.active <== active;
    book.liabilities <== liabilities;
    book.salt <== salt;
    commitment <== book.commitment;

    fxTable <== fxTableHash;

    // 2^d = prod_l (1 + active_l).
    signal chunks[MAX_DEPTH];
    chunks[0] <== 1 + active[0];
    for (var l = 1; l < MAX_DEPTH; l++) {
        chunks[l] <== chunks[l - 1] * (1 + active[l]);
    }
    accN === chunks[MAX_DEPTH - 1];

    component opened = AccumulatorHash();
    opened.n <== accN;
    opened.cover <== accCover;
    opened.value <== accValue;
    opened.yieldW <== accYieldW;
    opened.maxC <== accMaxC;
    opened.mask <== accMask;
    opened.last <== accLast;
    opened.blind <== accBlind;
    chunkSet <== opened.out;
}
