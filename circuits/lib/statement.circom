pragma circom 2.1.6;

include "circomlib/circuits/bitify.circom";

// Statement: packs a claim's small public values into one field element, because every
// public input costs ~6,150 gas on-chain.
//   layout, least significant first (208 bits, always < the BN254 scalar field):
//     context : 128 bits   (verifier challenge nonce, or chain id + contract binding)
//     paramA  :  16 bits   (claim-specific, e.g. minCoverageBps)
//     paramB  :  64 bits   (claim-specific, e.g. liabilities)
// The as-of time is not here: it is in the signed snapshot message (statement v2).
// Each part is range-checked, so the packing is injective: the one public value fixes
// every part, and the context cannot be malleated without breaking the proof. paramB is
// checked to PARAM_B_BITS (<= 64); 0 when the claim already bounds it to 64 bits or less
// (coverage: liabilities, checked by SnapshotCommitment), so no constraint is paid twice.
template Statement(PARAM_B_BITS) {
    assert(PARAM_B_BITS <= 64);
    signal input context;
    signal input paramA;
    signal input paramB;
    signal output packed;

    component contextBits = Num2Bits(128);
    contextBits.in <== context;
    component paramABits = Num2Bits(16);
    paramABits.in <== paramA;
    if (PARAM_B_BITS > 0) {
        component paramBBits = Num2Bits(PARAM_B_BITS);
        paramBBits.in <== paramB;
    }

    packed <== context + paramA * (1 << 128) + paramB * (1 << 144);
}
