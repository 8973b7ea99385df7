/** What the page build (src/web-build/page-build.ts) puts into the bundle. */
declare module 'zkattest:poseidon-t10' {
  const constants: { t: number; C: string[]; M: string[][] };
  export default constants;
}

/** circuitId -> the committed verification key's sha256 and vkeyHash, pinned at build time. */
declare const __PINNED_KEYS__: Record<string, { sha256: string; vkeyHash: string; file: string }>;
