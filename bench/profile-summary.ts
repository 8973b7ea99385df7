/**
 * Summarises a V8 CPU profile (`node --cpu-prof`) of the API by request-path stage: each
 * sample goes to the stage of its deepest project frame (utility modules such as hash.ts
 * count for their caller), else to the stage of the deepest library it is in (ioredis,
 * body-parser, express, node's http), else "other".
 *
 *   npx tsx bench/profile-summary.ts <file.cpuprofile> [requests]
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Project modules by stage; the first pattern that matches a frame's url names its stage. */
const PROJECT_STAGES: Array<[RegExp, string]> = [
  [
    /src\/common\/(p256|signed-snapshot|snapshot-message|curve-points)\.ts/,
    'P-256 snapshot signatures',
  ],
  [
    /src\/common\/(transport-envelope|transport-key|strict-base64url|egress-head)\.ts/,
    'envelope JWS check',
  ],
  [/src\/verifier\/(batch-verify|proof-batcher|pairing|engine)[^/]*\.ts/, 'proof check (batcher)'],
  [/src\/common\/(attestation-package|statement-id)\.ts/, 'package parse + ids'],
  [
    /src\/(verifier|claims)\/|src\/common\/(fx-table|poseidon|money|currency|allocations|statement)/,
    'verifier: FX hash, claims, policy',
  ],
  [/src\/api\/store\/|src\/common\/redis-/, 'Redis stores (our code)'],
  [/src\/common\/logger\.ts/, 'logging'],
  [/src\/api\/metrics\.ts/, 'metrics'],
  [/src\/common\/validate\.ts|src\/api\/schemas\.ts/, 'request schema'],
  [/src\/api\/app\.ts|src\/api\/guards\.ts/, 'express middleware (ours)'],
  [/src\/api\/(attestation-service|routes\/)/, 'service + route + response'],
];
/** Project modules that count for their caller (shared helpers). */
const NEUTRAL = /src\/common\/(hash|errors|field|ids|http-errors)\.ts/;
const LIBRARY_STAGES: Array<[RegExp, string]> = [
  [/ioredis|redis-parser|denque|cluster-key-slot/, 'Redis client (ioredis)'],
  [/body-parser|raw-body|iconv-lite/, 'JSON body parse'],
  [/prom-client/, 'metrics'],
  [/ffjavascript|snarkjs|mcl-wasm/, 'proof check (batcher)'],
  [/zod/, 'request schema'],
  [/node_modules\/(express|router|helmet|finalhandler|send|on-finished|type-is)/, 'express'],
  [/node:(_http|http|net|stream|internal\/streams)|_http_/, 'HTTP (node)'],
];
const SPECIAL = new Map([
  ['(garbage collector)', 'GC'],
  ['(idle)', 'idle'],
  ['(program)', 'V8/native (program)'],
]);

function stageOf(stack: CallFrame[]): string {
  const leaf = stack[0]!;
  const special = SPECIAL.get(leaf.functionName);
  if (special) return special;
  for (const frame of stack) {
    if (!frame.url.includes('/src/') || NEUTRAL.test(frame.url)) continue;
    const hit = PROJECT_STAGES.find(([re]) => re.test(frame.url));
    if (hit) return hit[1];
  }
  for (const frame of stack) {
    const hit = LIBRARY_STAGES.find(([re]) => re.test(frame.url));
    if (hit) return hit[1];
  }
  return 'other (node internals, event loop)';
}

const SERVICE_STEP = /^(submit|open|record|repeat|settle)$/;

export interface StageShare {
  stage: string;
  ms: number;
  /** Share of the busy (non-idle) time, percent. */
  share: number;
}

/** Busy milliseconds per stage, largest first. */
export function summariseProfile(profile: CpuProfile): { busyMs: number; stages: StageShare[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const stageCache = new Map<number, string>();
  const stageOfNode = (id: number): string => {
    let stage = stageCache.get(id);
    if (stage === undefined) {
      const stack: CallFrame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        stack.push(byId.get(at)!.callFrame);
      }
      stage = stageOf(stack);
      stageCache.set(id, stage);
    }
    return stage;
  };
  // Only the load: from the first sample in the attestation service to its last (start-up,
  // module loading and the benchmark's set-up requests stay out).
  const inService = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const { url, functionName } = byId.get(at)!.callFrame;
      // A submission's steps, not the module's evaluation at start-up.
      if (url.includes('src/api/attestation-service.ts') && SERVICE_STEP.test(functionName)) {
        return true;
      }
    }
    return false;
  };
  const first = profile.samples.findIndex(inService);
  let last = profile.samples.length - 1;
  while (last >= 0 && !inService(profile.samples[last]!)) last--;
  const micros = new Map<string, number>();
  const otherFunctions = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (i < first || i > last) return;
    const stage = stageOfNode(id);
    const us = profile.timeDeltas[i] ?? 0;
    micros.set(stage, (micros.get(stage) ?? 0) + us);
    if (stage.startsWith('other')) {
      const { functionName, url } = byId.get(id)!.callFrame;
      const name = `${functionName || '(anonymous)'} ${url.replace(/.*node_modules\//, '')}`;
      otherFunctions.set(name, (otherFunctions.get(name) ?? 0) + us);
    }
  });
  if (process.env.PROFILE_OTHER) {
    const top = [...otherFunctions].sort((a, b) => b[1] - a[1]).slice(0, 25);
    for (const [name, us] of top) console.error(`${(us / 1000).toFixed(0).padStart(6)} ms ${name}`);
  }
  micros.delete('idle');
  const busy = [...micros.values()].reduce((a, b) => a + b, 0);
  const stages = [...micros]
    .map(([stage, us]) => ({
      stage,
      ms: Math.round(us / 1000),
      share: Math.round((1000 * us) / busy) / 10,
    }))
    .sort((a, b) => b.ms - a.ms);
  return { busyMs: Math.round(busy / 1000), stages };
}

/** A printable table; with `requests`, also the busy CPU time per request. */
export function profileTable(file: string, requests?: number): string {
  const { busyMs, stages } = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const perRequest = (ms: number) =>
    requests ? ` ${((1000 * ms) / requests).toFixed(0).padStart(6)} us/req` : '';
  return [
    `busy CPU ${busyMs} ms${requests ? ` over ${requests} requests${perRequest(busyMs)}` : ''}`,
    ...stages.map(
      (s) => `${s.stage.padEnd(36)} ${s.share.toFixed(1).padStart(5)} %${perRequest(s.ms)}`,
    ),
  ].join('\n');
}

if (require.main === module) {
  const [file, requests] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary <file.cpuprofile> [requests]');
  // PROFILE_OTHER=1 also lists the leaf functions of the "other" stage (on stderr).
  console.log(profileTable(file, requests ? Number(requests) : undefined));
}
