// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title ICoverageVerifier
/// @notice The snarkjs-generated Groth16 verifier of the coverage circuit
///         (artifacts/coverage-32/Coverage32Verifier.sol), public signals
///         [commitment, statement, fxTable] (v2).
interface ICoverageVerifier {
    /// @notice Checks a Groth16 proof (pB in the EVM's G2 order: imaginary part first).
    /// @return True when the proof is valid for the public signals.
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[3] calldata pubSignals
    ) external view returns (bool);
}
