// The solc npm package ships no type declarations; this is the part src/chain uses.
declare module 'solc' {
  interface ImportResult {
    contents?: string;
    error?: string;
  }
  interface Solc {
    version(): string;
    compile(input: string, callbacks?: { import?: (path: string) => ImportResult }): string;
  }
  const solc: Solc;
  export = solc;
}
