// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IAttestorRegistry} from "./IAttestorRegistry.sol";
import {ICoverageVerifier} from "./ICoverageVerifier.sol";
import {IProofGatedToken} from "./IProofGatedToken.sol";

/// @title ProofGatedToken
/// @notice An RWA token that only mints against a Groth16 coverage proof: the custodian's
///         signed snapshot covers `liabilities` (= the capacity, in token base units) at
///         `minCoverageBps` or more, and the supply after the mint stays within that capacity.
/// @dev Gas: configuration lives in immutables; the only contract state this token adds,
///      `lastAsOf`, shares one storage slot with Pausable's `_paused` (see the storage layout
///      check in test/contracts), so `whenNotPaused` warms it for the rollback check. The
///      verifier is called directly with the caller's calldata arrays.
contract ProofGatedToken is IProofGatedToken, AccessControl, ERC20Pausable {
    /// @notice May call mintWithProof.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice May pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Domain separator of the context binding.
    bytes32 public constant CONTEXT_DOMAIN = keccak256("zkattest.mint.v1");
    /// @notice How far in the future a snapshot's as-of time may be (clock skew), seconds.
    uint256 public constant MAX_CLOCK_SKEW = 300;

    /// @dev BN254 scalar field modulus r.
    uint256 private constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    uint256 private constant CONTEXT_MASK = (1 << 128) - 1;

    /// @notice The Groth16 verifier of the coverage circuit.
    ICoverageVerifier public immutable verifier;
    /// @notice The registry of trusted attestor keys.
    IAttestorRegistry public immutable registry;
    /// @notice The minimum proven coverage (minCoverageBps) a mint needs, >= 10000.
    uint16 public immutable requiredRatioBps;
    /// @notice The oldest a snapshot may be at mint time, seconds.
    uint40 public immutable maxSnapshotAge;

    uint256 private immutable _cachedChainId;
    uint256 private immutable _cachedBinding;

    /// @inheritdoc IProofGatedToken
    uint40 public lastAsOf;

    /// @notice Deploys the token; `admin` gets DEFAULT_ADMIN_ROLE only (it grants the others).
    /// @param name_ ERC-20 name.
    /// @param symbol_ ERC-20 symbol.
    /// @param verifier_ The coverage circuit's verifier.
    /// @param registry_ The attestor registry.
    /// @param requiredRatioBps_ Minimum minCoverageBps, at least 10000 (100%), so the supply
    ///        never exceeds what the collateral covers after haircuts.
    /// @param maxSnapshotAge_ Maximum snapshot age at mint time, seconds (> 0).
    /// @param admin The first DEFAULT_ADMIN_ROLE holder.
    constructor(
        string memory name_,
        string memory symbol_,
        ICoverageVerifier verifier_,
        IAttestorRegistry registry_,
        uint16 requiredRatioBps_,
        uint40 maxSnapshotAge_,
        address admin
    ) ERC20(name_, symbol_) {
        if (
            address(verifier_) == address(0) ||
            address(registry_) == address(0) ||
            admin == address(0) ||
            requiredRatioBps_ < 10_000 ||
            maxSnapshotAge_ == 0
        ) revert ProofGatedToken__InvalidConfig();
        verifier = verifier_;
        registry = registry_;
        requiredRatioBps = requiredRatioBps_;
        maxSnapshotAge = maxSnapshotAge_;
        _cachedChainId = block.chainid;
        _cachedBinding = _computeBinding();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /// @notice Base units are the snapshot currency's minor units (2 decimals, e.g. CNY fen).
    /// @return 2.
    function decimals() public pure override returns (uint8) {
        return 2;
    }

    /// @inheritdoc IProofGatedToken
    function mintWithProof(
        address to,
        uint256 amount,
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[3] calldata pubSignals
    ) external onlyRole(MINTER_ROLE) whenNotPaused {
        if (amount == 0) revert ProofGatedToken__ZeroAmount();
        uint256 commitment = pubSignals[0];
        uint256 attestor = pubSignals[1];
        uint256 statement = pubSignals[2];
        if (
            commitment >= SNARK_SCALAR_FIELD ||
            attestor >= SNARK_SCALAR_FIELD ||
            statement >= SNARK_SCALAR_FIELD
        ) revert ProofGatedToken__SignalOutOfField();
        if (!verifier.verifyProof(pA, pB, pC, pubSignals)) revert ProofGatedToken__InvalidProof();

        // statement = context (128) | asOf (40) | minCoverageBps (16) | liabilities (64)
        if (statement & CONTEXT_MASK != contextBinding()) revert ProofGatedToken__WrongContext();
        uint40 asOf = uint40(statement >> 128);
        if (!registry.isTrusted(attestor, asOf)) revert ProofGatedToken__UntrustedAttestor();
        if (
            asOf > block.timestamp + MAX_CLOCK_SKEW ||
            uint256(asOf) + maxSnapshotAge < block.timestamp
        ) revert ProofGatedToken__StaleSnapshot();
        uint40 last = lastAsOf; // warm: same slot as _paused
        if (asOf < last) revert ProofGatedToken__SnapshotRollback();
        if (asOf != last) lastAsOf = asOf;
        if (uint16(statement >> 168) < requiredRatioBps) revert ProofGatedToken__RatioTooLow();
        uint64 capacity = uint64(statement >> 184);
        if (totalSupply() + amount > capacity) revert ProofGatedToken__OverCapacity();

        _mint(to, amount);
        emit MintedWithProof(to, amount, commitment, attestor, asOf, capacity);
    }

    /// @inheritdoc IProofGatedToken
    function redeem(uint256 amount) external {
        _burn(msg.sender, amount);
        emit Redeemed(msg.sender, amount);
    }

    /// @inheritdoc IProofGatedToken
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IProofGatedToken
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @inheritdoc IProofGatedToken
    function contextBinding() public view returns (uint256) {
        // Recomputed only if the chain id changed since deployment (a fork).
        return block.chainid == _cachedChainId ? _cachedBinding : _computeBinding();
    }

    function _computeBinding() private view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), CONTEXT_DOMAIN))) >> 128;
    }
}
