import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { anvilBinary } from '../../src/chain/anvil';
import { ROOT } from '../support/source-files';

interface PackageJson {
  allowScripts?: Record<string, boolean>;
  scarfSettings?: { enabled?: boolean };
}
interface Lockfile {
  packages: Record<string, { hasInstallScript?: boolean }>;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;

/**
 * Every dependency with an install script, and why the project does not need it to run
 * (npm 11 skips a `false` entry silently; npm 12 blocks anything not listed).
 */
const DENIED: Record<string, string> = {
  '@foundry-rs/anvil':
    'postinstall downloads anvil only when the per-platform optional package is missing; ' +
    'src/chain/anvil.ts runs the binary from that package',
  '@parcel/watcher':
    'install builds from source only with npm_config_build_from_source; jest --watch only',
  '@scarf/scarf': 'install-time telemetry (via swagger-ui-dist): never inside a custodian network',
  'blake-hash': 'ships prebuilds and a pure-JS fallback (circomlibjs)',
  esbuild: 'postinstall only re-checks the @esbuild/<platform> binary that tsx already resolves',
  'msgpackr-extract': 'optional native speed-up; msgpackr (bullmq) falls back to JS',
};
/** Install scripts the project needs to run: none today. */
const APPROVED: Record<string, string> = {};

const withInstallScripts = Object.entries(lock.packages)
  .filter(([, entry]) => entry.hasInstallScript)
  .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));

describe('install scripts', () => {
  it('allowScripts decides every install script in the lockfile, and nothing else', () => {
    expect(Object.keys(pkg.allowScripts ?? {}).sort()).toEqual(
      [...new Set(withInstallScripts)].sort(),
    );
    expect(Object.keys({ ...DENIED, ...APPROVED }).sort()).toEqual(
      Object.keys(pkg.allowScripts ?? {}).sort(),
    );
  });

  it('approves exactly the needed ones and denies the rest explicitly', () => {
    for (const [name, allowed] of Object.entries(pkg.allowScripts ?? {})) {
      expect({ name, allowed }).toEqual({ name, allowed: name in APPROVED });
    }
  });

  it('opts out of scarf telemetry twice: its script is denied and scarf is disabled', () => {
    expect(pkg.allowScripts?.['@scarf/scarf']).toBe(false);
    expect(pkg.scarfSettings?.enabled).toBe(false);
  });

  it('runs anvil from its per-platform package, so its postinstall is not needed', () => {
    const explicit = process.env.ANVIL_BIN; // an operator's override, not the package's
    delete process.env.ANVIL_BIN;
    try {
      expect(anvilBinary()).toContain(`${sep}@foundry-rs${sep}anvil-${process.platform}-`);
    } finally {
      if (explicit !== undefined) process.env.ANVIL_BIN = explicit;
    }
  });
});
