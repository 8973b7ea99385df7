import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, sourceFiles } from '../support/source-files';

interface PackageJson {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;

// The specifier of import/export ... from, side-effect import, import(), require(), require.resolve().
const SPECIFIER =
  /(?:\bfrom\s+|\bimport\s+|\brequire(?:\.resolve)?\(\s*|\bimport\(\s*)(['"])([^'"`$]+)\1/g;

/** The package a bare specifier names ('@scope/name/sub' -> '@scope/name'), or undefined. */
function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) {
    return undefined;
  }
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  return builtinModules.includes(name) ? undefined : name;
}

/** Each package imported by files under `dirs`, with the first file importing it. */
function importedPackages(dirs: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const { file, text } of sourceFiles(dirs)) {
    for (const m of text.matchAll(SPECIFIER)) {
      const name = packageOf(m[2]!);
      if (name && !found.has(name)) found.set(name, file);
    }
  }
  return found;
}

const undeclared = (imported: Map<string, string>, declared: Record<string, string>) =>
  [...imported].filter(([name]) => !(name in declared)).map(([name, file]) => `${name} (${file})`);

describe('every imported package is declared in package.json', () => {
  it('the shipped code (src/, bin/) imports only from dependencies', () => {
    expect(undeclared(importedPackages(['src', 'bin']), pkg.dependencies)).toEqual([]);
  });

  it('scripts, benches and tests import only declared packages', () => {
    const declared = { ...pkg.dependencies, ...pkg.devDependencies };
    expect(undeclared(importedPackages(['scripts', 'bench', 'test']), declared)).toEqual([]);
  });

  it('the scan sees what it checks (a found import is one of ours)', () => {
    const imported = importedPackages(['src']);
    expect(imported.get('snarkjs')).toBeDefined();
    expect(imported.get('@openzeppelin/contracts')).toBeDefined(); // via require.resolve
  });

  it('declares each package at the version installed', () => {
    const mismatched = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies })
      .map(([name, range]) => {
        const installed = (
          JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as {
            version: string;
          }
        ).version;
        // The declared version (a caret range's floor, or an exact pin) is the installed one.
        const floor = range.replace(/^[\^~]/, '');
        return installed.startsWith(floor) ? undefined : `${name}: ${range} vs ${installed}`;
      })
      .filter((x) => x !== undefined);
    expect(mismatched).toEqual([]);
  });
});
