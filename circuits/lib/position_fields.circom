pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";

// PositionFields: range-checks one position's numbers and packs them into one field element.
//   private: assetClass < 2^4, currency < 2^3 (a row of the FX table), value < 2^64,
//            haircutBps <= 10000, yieldBps < 2^16
//   outputs: packed = assetClass | currency << 4 | yieldBps << 7 | haircutBps << 23 | value << 37
//            (101 bits), classBits for the eligibility check, currencyBits for the rate lookup
// Every number that later enters a product or comparator is bounded here, once, so no claim
// can wrap around the field with a "negative" amount; the bounds also make the packing
// injective, so the leaf hash binds each field separately.
template PositionFields() {
    signal input assetClass;
    signal input currency;
    signal input value;
    signal input haircutBps;
    signal input yieldBps;
    signal output packed;
    signal output classBits[4];
    signal output currencyBits[3];

    component classOf = Num2Bits(4);
    classOf.in <== assetClass;
    classBits <== classOf.out;

    component currencyOf = Num2Bits(3);
    currencyOf.in <== currency;
    currencyBits <== currencyOf.out;

    component yieldOf = Num2Bits(16);
    yieldOf.in <== yieldBps;

    // 0 <= haircutBps < 2^14 and 0 <= 10000 - haircutBps < 2^14 together: haircutBps <= 10000
    // (a negative 10000 - haircutBps wraps to about 2^254, far above 2^14). Two range checks,
    // 28 constraints, cheaper than Num2Bits then LessEqThan (30).
    component haircutOf = Num2Bits(14);
    haircutOf.in <== haircutBps;
    component advanceOf = Num2Bits(14);
    advanceOf.in <== 10000 - haircutBps;

    component valueOf = Num2Bits(64);
    valueOf.in <== value;

    packed <== assetClass + currency * (1 << 4) + yieldBps * (1 << 7) + haircutBps * (1 << 23)
        + value * (1 << 37);
}
