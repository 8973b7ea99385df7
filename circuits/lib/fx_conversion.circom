pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/poseidon.circom";
include "select.circom";

// FxConversion: converts every position into the reporting currency's minor units, scaled by
// FX_SCALE = 10^12, against exactly the rate table whose hash is public.
//   private: meta (Poseidon of the table's units, computed by verifiers from the table),
//            rate[8] < 2^64, and per position its value and the bits of its currency row
//   outputs: tableHash = Poseidon(meta, rate[0..7])
//            converted[i] = value[i] * rate[currency[i]]   (< 2^128)
// No division and no rounding here: the table's rates are already rounded down when the
// table is made, and the claims multiply the other side up by FX_SCALE instead.
template FxConversion(N) {
    var ROWS = 8;
    signal input meta;
    signal input rate[ROWS];
    signal input value[N];
    signal input currencyBits[N][3];
    signal output tableHash;
    signal output converted[N];

    component rateBits[ROWS];
    component hash = Poseidon(ROWS + 1);
    hash.inputs[0] <== meta;
    for (var r = 0; r < ROWS; r++) {
        rateBits[r] = Num2Bits(64);
        rateBits[r].in <== rate[r];
        hash.inputs[r + 1] <== rate[r];
    }
    tableHash <== hash.out;

    component pick[N];
    signal rateInverse[N];
    signal rateIsSet[N];
    for (var i = 0; i < N; i++) {
        pick[i] = Select(3);
        pick[i].values <== rate;
        pick[i].indexBits <== currencyBits[i];
        // An unused row has rate 0; a position pointing at one would silently drop out of
        // every total (it could hide a low yield). A held position needs a set rate:
        // value != 0 forces rate * rateInverse == 1, so the rate cannot be 0.
        rateInverse[i] <-- pick[i].out != 0 ? 1 / pick[i].out : 0;
        rateIsSet[i] <== pick[i].out * rateInverse[i];
        value[i] * (1 - rateIsSet[i]) === 0;
        converted[i] <== value[i] * pick[i].out;
    }
}
