import {
  artifactsDir,
  loadManifest,
  type ArtifactManifest,
  type CircuitEntry,
} from '../common/artifact-manifest';
import { readArtifact } from '../common/artifact-store';
import { ZkAttestError } from '../common/errors';
import { canonicalJson, sha256Hex } from '../common/hash';

export interface VerificationKey {
  circuitId: string;
  entry: CircuitEntry;
  /** The snarkjs verification key object. */
  vk: Record<string, unknown>;
}

export interface RegistryOptions {
  /** Accept keys from a development setup (one machine knew the toxic waste). Off by default. */
  allowDevelopment?: boolean;
}

/**
 * The verification keys a verifier accepts, by circuit id and key hash, read from the
 * committed artifacts manifest. Each key file is checked against the manifest's file hash
 * and its content against the key hash the packages name.
 */
export class VerificationKeyRegistry {
  private constructor(
    private readonly keys: Map<string, VerificationKey>,
    private readonly options: RegistryOptions,
  ) {}

  /** Loads every circuit's verification key listed in an artifacts manifest. */
  static fromArtifacts(
    options: RegistryOptions = {},
    dir: string = artifactsDir(),
    manifest: ArtifactManifest = loadManifest(dir),
  ): VerificationKeyRegistry {
    const keys = new Map<string, VerificationKey>();
    for (const [circuitId, entry] of Object.entries(manifest.circuits)) {
      const vk = JSON.parse(readArtifact(dir, entry.files.vkey).toString('utf8')) as Record<
        string,
        unknown
      >;
      const { zkattest: _label, ...bare } = vk;
      if (sha256Hex(canonicalJson(bare)) !== entry.vkeyHash) {
        throw new ZkAttestError(
          'ARTIFACT_MISMATCH',
          `${circuitId}: key hash differs from manifest`,
        );
      }
      keys.set(circuitId, { circuitId, entry, vk: bare });
    }
    return new VerificationKeyRegistry(keys, options);
  }

  /** The key a package names, or a coded error when it is unknown or not allowed. */
  get(circuitId: string, vkeyHash: string): VerificationKey {
    const key = this.keys.get(circuitId);
    if (!key) {
      throw new ZkAttestError('CIRCUIT_UNKNOWN', `unknown circuit "${circuitId}"`, { circuitId });
    }
    if (key.entry.vkeyHash !== vkeyHash) {
      throw new ZkAttestError('VKEY_UNKNOWN', `unknown verification key for ${circuitId}`, {
        circuitId,
      });
    }
    if (key.entry.setup === 'development' && !this.options.allowDevelopment) {
      throw new ZkAttestError(
        'VKEY_UNKNOWN',
        `${circuitId} has a development-setup key, refused unless development keys are allowed`,
        { circuitId },
      );
    }
    return key;
  }

  /**
   * The key of a circuit the manifest names rather than a package (a final proof's chunk
   * circuit): the same development-key rule as {@link get}.
   */
  getById(circuitId: string): VerificationKey {
    const key = this.keys.get(circuitId);
    if (!key) {
      throw new ZkAttestError('CIRCUIT_UNKNOWN', `unknown circuit "${circuitId}"`, { circuitId });
    }
    return this.get(circuitId, key.entry.vkeyHash);
  }

  /** Every known circuit id. */
  circuitIds(): string[] {
    return [...this.keys.keys()];
  }
}
