/** What the page build (src/web-build/page-build.ts) puts into the bundle. */
/** circomlibjs' Poseidon constants for t = 10 (9 inputs: the FX table hash). */
declare const __POSEIDON_T10__: { t: number; C: string[]; M: string[][] };

/** circuitId -> the committed verification key's sha256 and vkeyHash, pinned at build time. */
declare const __PINNED_KEYS__: Record<string, { sha256: string; vkeyHash: string; file: string }>;
