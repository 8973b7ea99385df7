pragma circom 2.1.6;

include "circomlib/circuits/comparators.circom";
include "../lib/chunk_set.circom";
include "../lib/statement.circom";

// CoverageFinal: the coverage claim over a large book proved in chunks (LARGESPEC §5):
//   cover >= minCoverageBps * liabilities * 10^12, cover = sum c_j * (10000 - haircutBps_j)
//   public outputs: commitment, statement = pack(context, minCoverageBps, liabilities),
//                   fxTable, chunkSet (the last chunk's accOut)
template CoverageFinal(MAX_DEPTH) {
    var FX_SCALE = 10 ** 12;
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
    signal input minCoverageBps;

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

    // minCoverageBps < 2^16 (Statement), liabilities < 2^64 (BookCommitment): required
    // < 2^120; cover < 2^154 (ChunkSet). A 155-bit comparator cannot wrap.
    signal required <== minCoverageBps * liabilities * FX_SCALE;
    component covered = GreaterEqThan(155);
    covered.in[0] <== accCover;
    covered.in[1] <== required;
    covered.out === 1;

    component packed = Statement(0);
    packed.context <== context;
    packed.paramA <== minCoverageBps;
    packed.paramB <== liabilities;
    statement <== packed.packed;
}
