pragma circom 2.1.6;

// OneSlotPerAsset: a non-zero amount of an asset sits in one slot only, so a per-slot bound
// (e.g. a concentration cap) is a bound per asset.
//   for all i < j: assetId_i == assetId_j  =>  value_i == 0
// Of the slots sharing an asset id, every one but the last must be empty; padding slots
// (asset id 0, value 0) pass. N * (N - 1) / 2 constraints: 496 for N = 32.
// The caller must constrain assetId and value (here both are bound by the snapshot commitment).
template OneSlotPerAsset(N) {
    signal input assetId[N];
    signal input value[N];

    signal inv[N][N];
    for (var i = 0; i < N; i++) {
        for (var j = i + 1; j < N; j++) {
            // The witness: value_i / (id_i - id_j) when the ids differ; 0 otherwise, which
            // satisfies the constraint only when value_i is 0.
            inv[i][j] <-- assetId[i] != assetId[j] ? value[i] / (assetId[i] - assetId[j]) : 0;
            // Equal ids make the left side 0 whatever inv is, so value_i must be 0.
            (assetId[i] - assetId[j]) * inv[i][j] === value[i];
        }
    }
}
