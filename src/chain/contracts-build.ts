import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import solc from 'solc';

/** The compiler the contracts are built and audited with (the solc npm package, pinned). */
export const SOLC_VERSION = '0.8.28';

/**
 * Compiler settings. viaIR with optimizer runs 200: measured on bench:gas, viaIR takes
 * ~1,300 gas off every mint (about half of it inside the verifier's Yul); runs 10,000 would
 * save under 100 more, so the default 200 stays. cancun is solc 0.8.28's default target; any
 * later hardfork (anvil 1.7 runs a post-Osaka one by default) executes it unchanged.
 */
export const SOLC_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  viaIR: true,
  evmVersion: 'cancun',
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'storageLayout'] },
  },
} as const;

export const CONTRACT_NAMES = [
  'Coverage32Verifier',
  'SignerRegistry',
  'ProofGatedToken',
  'SnapshotAnchor',
] as const;
export type ContractName = (typeof CONTRACT_NAMES)[number];

export interface StorageEntry {
  label: string;
  slot: string;
  offset: number;
  type: string;
}

export interface ContractArtifact {
  contractName: string;
  sourceName: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
  storageLayout: StorageEntry[];
}

export interface BuildResult {
  artifacts: Record<ContractName, ContractArtifact>;
  /** True when the artifacts came from build/contracts (same input hash). */
  cached: boolean;
  /** solc's warnings (empty when cached). */
  warnings: string[];
  inputHash: string;
  ms: number;
}

const ROOT = join(__dirname, '..', '..');
/** Where build output goes (build/ is git-ignored). */
export const BUILD_DIR = join(ROOT, 'build', 'contracts');
const CONTRACTS_DIR = join(ROOT, 'contracts');
/** The snarkjs-generated verifier, compiled from its committed path, never edited. */
const VERIFIER_SOURCE = 'artifacts/coverage-32/Coverage32Verifier.sol';

const posix = (p: string) => p.split(sep).join('/');

/** Source units by name (repo-relative path): every contracts/*.sol and the verifier. */
function projectSources(): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const f of readdirSync(CONTRACTS_DIR)
    .filter((n) => n.endsWith('.sol'))
    .sort()) {
    sources[`contracts/${f}`] = readFileSync(join(CONTRACTS_DIR, f), 'utf8');
  }
  sources[VERIFIER_SOURCE] = readFileSync(join(ROOT, VERIFIER_SOURCE), 'utf8');
  return sources;
}

function openZeppelinVersion(): string {
  const pkg = require.resolve('@openzeppelin/contracts/package.json', { paths: [ROOT] });
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** Resolves `@openzeppelin/...` from node_modules and anything else from the repo root. */
function findImport(path: string): { contents?: string; error?: string } {
  try {
    const file = path.startsWith('@') ? require.resolve(path, { paths: [ROOT] }) : join(ROOT, path);
    if (!posix(relative(ROOT, file)).startsWith('..') || path.startsWith('@')) {
      return { contents: readFileSync(file, 'utf8') };
    }
    return { error: `import outside the repository: ${path}` };
  } catch {
    return { error: `not found: ${path}` };
  }
}

function inputHash(sources: Record<string, string>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ solc: SOLC_VERSION, oz: openZeppelinVersion(), SOLC_SETTINGS }));
  for (const [name, content] of Object.entries(sources)) h.update(`\0${name}\0${content}`);
  return h.digest('hex');
}

const HASH_FILE = () => join(BUILD_DIR, 'input-hash');
const artifactFile = (name: string) => join(BUILD_DIR, `${name}.json`);

function readCache(hash: string): BuildResult['artifacts'] | undefined {
  if (!existsSync(HASH_FILE()) || readFileSync(HASH_FILE(), 'utf8').trim() !== hash) return;
  if (!CONTRACT_NAMES.every((n) => existsSync(artifactFile(n)))) return;
  return Object.fromEntries(
    CONTRACT_NAMES.map((n) => [n, JSON.parse(readFileSync(artifactFile(n), 'utf8'))]),
  ) as BuildResult['artifacts'];
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<
    string,
    Record<
      string,
      {
        abi: unknown[];
        evm: { bytecode: { object: string }; deployedBytecode: { object: string } };
        storageLayout?: { storage: StorageEntry[] };
      }
    >
  >;
}

/** Compiles `sources` with the pinned solc and the project settings; returns the named contracts. */
function compileSources(
  sources: Record<string, string>,
  wanted: { name: string; sourceName: string }[],
): { artifacts: Record<string, ContractArtifact>; warnings: string[] } {
  if (solc.version().split('+')[0] !== SOLC_VERSION) {
    throw new Error(`solc ${solc.version()} installed, ${SOLC_VERSION} required`);
  }
  const input = {
    language: 'Solidity',
    sources: Object.fromEntries(Object.entries(sources).map(([k, content]) => [k, { content }])),
    settings: SOLC_SETTINGS,
  };
  const output = JSON.parse(
    solc.compile(JSON.stringify(input), { import: findImport }),
  ) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error');
  if (errors.length > 0) {
    throw new Error(`solc failed:\n${errors.map((e) => e.formattedMessage).join('\n')}`);
  }
  const artifacts: Record<string, ContractArtifact> = {};
  for (const { name, sourceName } of wanted) {
    const c = output.contracts[sourceName]?.[name];
    if (!c) throw new Error(`solc produced no ${name}`);
    artifacts[name] = {
      contractName: name,
      sourceName,
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
      storageLayout: c.storageLayout?.storage ?? [],
    };
  }
  const warnings = (output.errors ?? [])
    .filter((e) => e.severity !== 'error')
    .map((e) => e.formattedMessage);
  return { artifacts, warnings };
}

/**
 * Compiles one extra source file (repo-relative, e.g. a test fixture) with the same compiler
 * and settings; never part of the project build. Cached in build/contracts-extra by input hash.
 */
export function compileExtraContract(
  sourceName: string,
  name: string,
  /** Repo-relative files it imports, so that the cache key covers them too. */
  imports: string[] = [],
): ContractArtifact {
  const sources: Record<string, string> = {};
  for (const f of [sourceName, ...imports]) sources[f] = readFileSync(join(ROOT, f), 'utf8');
  const dir = join(ROOT, 'build', 'contracts-extra');
  const file = join(dir, `${name}.${inputHash(sources).slice(0, 16)}.json`);
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as ContractArtifact;
  const artifact = compileSources(sources, [{ name, sourceName }]).artifacts[name]!;
  mkdirSync(dir, { recursive: true });
  writeFileSync(file, `${JSON.stringify(artifact, null, 2)}\n`);
  return artifact;
}

/**
 * Compiles the contracts with the pinned solc (wasm, ~10-20 s), or returns the artifacts
 * in build/contracts when their input hash (sources, compiler, settings, OpenZeppelin
 * version) is unchanged. Writes one JSON file per contract (abi, bytecode, storage layout).
 */
export function buildContracts(opts: { force?: boolean } = {}): BuildResult {
  const started = performance.now();
  const sources = projectSources();
  const hash = inputHash(sources);
  const cached = opts.force ? undefined : readCache(hash);
  if (cached) {
    return {
      artifacts: cached,
      cached: true,
      warnings: [],
      inputHash: hash,
      ms: performance.now() - started,
    };
  }

  const { artifacts, warnings } = compileSources(
    sources,
    CONTRACT_NAMES.map((name) => ({
      name,
      sourceName: name === 'Coverage32Verifier' ? VERIFIER_SOURCE : `contracts/${name}.sol`,
    })),
  );
  mkdirSync(BUILD_DIR, { recursive: true });
  for (const name of CONTRACT_NAMES) {
    writeFileSync(artifactFile(name), `${JSON.stringify(artifacts[name], null, 2)}\n`);
  }
  writeFileSync(HASH_FILE(), `${hash}\n`);
  return { artifacts, cached: false, warnings, inputHash: hash, ms: performance.now() - started };
}

/** The compiled contracts, compiling first when build/contracts is missing or stale. */
export function loadContractArtifacts(): Record<ContractName, ContractArtifact> {
  return buildContracts().artifacts;
}
