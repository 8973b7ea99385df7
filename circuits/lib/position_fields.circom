pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// PositionFields: range-checks one position's numbers and packs them into one field element.
//   private: assetClass < 2^4, value < 2^64, haircutBps <= 10000, yieldBps < 2^16
//   outputs: packed = assetClass | yieldBps << 4 | haircutBps << 20 | value << 34  (98 bits)
//            classBits, for the eligibility check
// Every number that later enters a product or comparator is bounded here, once, so no claim
// can wrap around the field with a "negative" amount; the bounds also make the packing
// injective, so the leaf hash binds each field separately.
template PositionFields() {
    signal input assetClass;
    signal input value;
    signal input haircutBps;
    signal input yieldBps;
    signal output packed;
    signal output classBits[4];

    component classOf = Num2Bits(4);
    classOf.in <== assetClass;
    classBits <== classOf.out;

    component yieldOf = Num2Bits(16);
    yieldOf.in <== yieldBps;

    component haircutOf = Num2Bits(14);
    haircutOf.in <== haircutBps;
    // Num2Bits(14) first: LessEqThan(14) is only sound for inputs below 2^14.
    component haircutMax = LessEqThan(14);
    haircutMax.in[0] <== haircutBps;
    haircutMax.in[1] <== 10000;
    haircutMax.out === 1;

    component valueOf = Num2Bits(64);
    valueOf.in <== value;

    packed <== assetClass + yieldBps * (1 << 4) + haircutBps * (1 << 20) + value * (1 << 34);
}
