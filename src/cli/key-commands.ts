import { readFileSync, writeFileSync } from 'node:fs';
import { ZkAttestError } from '../common/errors';
import { fxMessage, fxTableHash, parseFxTable } from '../common/fx-table';
import {
  importPrivateKey,
  newSignerKey,
  readSignerKeyFile,
  signerFromKeyFile,
  writeSignerKeyFile,
  type SignerKey,
} from '../common/p256-signer';
import { required, type Command } from './args';

/** What the key commands print: the public half, to register with verifiers. */
function printPublic(key: SignerKey, label: string | undefined): void {
  const out = { keyId: key.keyId, publicKey: key.publicKey, ...(label ? { label } : {}) };
  console.log(JSON.stringify(out, null, 2));
}

function labelOption(values: Record<string, string | boolean | undefined>): string | undefined {
  const label = values.label;
  if (label === undefined) return undefined;
  if (typeof label !== 'string' || !/^[\x20-\x7e]{1,200}$/.test(label)) {
    throw new ZkAttestError('USAGE', '--label is 1 to 200 printable ASCII characters');
  }
  return label;
}

const KEYS_NEW_USAGE = 'zkattest keys new --out <signer.key.json> [--label <label>]';

const keysNew: Command = {
  name: 'keys new',
  summary: 'create a P-256 signer key (snapshot or FX source signer)',
  usage: KEYS_NEW_USAGE,
  options: { out: { type: 'string' }, label: { type: 'string' } },
  async run(values) {
    const out = required(values, 'out', KEYS_NEW_USAGE);
    const label = labelOption(values);
    const key = await newSignerKey();
    writeSignerKeyFile(out, key, label);
    console.error(`private key written to ${out} (mode 0600)`);
    printPublic(key, label);
  },
};

const KEYS_IMPORT_USAGE =
  'zkattest keys import --from <PKCS#8 PEM|DER or JWK file> --out <signer.key.json> [--label <label>]';

const keysImport: Command = {
  name: 'keys import',
  summary: 'import a P-256 private key (PKCS#8 PEM/DER or JWK) as a signer key file',
  usage: KEYS_IMPORT_USAGE,
  options: { from: { type: 'string' }, out: { type: 'string' }, label: { type: 'string' } },
  async run(values) {
    const from = required(values, 'from', KEYS_IMPORT_USAGE);
    const out = required(values, 'out', KEYS_IMPORT_USAGE);
    const label = labelOption(values);
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(from);
    } catch {
      throw new ZkAttestError('KEY_FILE', `cannot read ${from}`, { file: from });
    }
    const key = await importPrivateKey(bytes);
    writeSignerKeyFile(out, key, label);
    console.error(`private key written to ${out} (mode 0600)`);
    printPublic(key, label);
  },
};

const keysShow: Command = {
  name: 'keys show',
  summary: "print a signer key file's key id and public key",
  usage: 'zkattest keys show <signer.key.json>',
  options: {},
  async run(_values, [file]) {
    if (!file) throw new ZkAttestError('USAGE', this.usage);
    const { key, label } = await readSignerKeyFile(file);
    printPublic(key, label);
  },
};

/**
 * Unix seconds of an ISO-8601 UTC or offset time with whole seconds
 * (`2026-11-20T08:00:00Z`), or of plain integer unix seconds.
 */
export function unixSecondsArg(name: string, text: string): number {
  const usage = () =>
    new ZkAttestError(
      'USAGE',
      `--${name} is an ISO-8601 time with a timezone and whole seconds ` +
        '(e.g. 2026-11-20T08:00:00Z) or integer unix seconds',
    );
  let seconds: number;
  if (/^[0-9]{1,13}$/.test(text)) {
    seconds = Number(text);
  } else {
    const match =
      /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.0+)?(Z|[+-]\d{2}:\d{2})$/.exec(text);
    if (match === null) throw usage();
    const [y, mo, d, h, mi, s] = match.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const utc = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(utc);
    // Date.UTC rolls 2026-02-30 into March: refuse dates that do not come back unchanged.
    if (
      back.getUTCFullYear() !== y ||
      back.getUTCMonth() !== mo - 1 ||
      back.getUTCDate() !== d ||
      h > 23 ||
      mi > 59 ||
      s > 59
    ) {
      throw usage();
    }
    const zone = match[7]!;
    const offset =
      zone === 'Z'
        ? 0
        : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
    if (zone !== 'Z' && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4)) > 59)) {
      throw usage();
    }
    seconds = utc / 1000 - offset * 60;
  }
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds >= 2 ** 40) throw usage();
  return seconds;
}

const FX_SIGN_USAGE =
  'zkattest fx sign --table <table.json> --key <signer.key.json> --as-of <ISO time> --out <fx.json>';

const fxSign: Command = {
  name: 'fx sign',
  summary: 'check an FX rate table and sign it as its FX source',
  usage: FX_SIGN_USAGE,
  options: {
    table: { type: 'string' },
    key: { type: 'string' },
    'as-of': { type: 'string' },
    out: { type: 'string' },
  },
  async run(values) {
    const tableFile = required(values, 'table', FX_SIGN_USAGE);
    const keyFile = required(values, 'key', FX_SIGN_USAGE);
    const asOf = unixSecondsArg('as-of', required(values, 'as-of', FX_SIGN_USAGE));
    const out = required(values, 'out', FX_SIGN_USAGE);
    let candidate: unknown;
    try {
      candidate = JSON.parse(readFileSync(tableFile, 'utf8'));
    } catch {
      throw new ZkAttestError('FX_TABLE_INVALID', `cannot read a JSON FX table from ${tableFile}`, {
        field: 'table',
      });
    }
    const table = parseFxTable(candidate);
    const signer = await signerFromKeyFile(keyFile);
    const hash = await fxTableHash(table);
    const signature = await signer.sign(fxMessage(hash, table.reporting, asOf));
    const body = {
      table,
      source: { keyId: signer.keyId, publicKey: signer.publicKey, asOf, signature },
    };
    writeFileSync(out, `${JSON.stringify(body, null, 2)}\n`);
    console.log(
      `FX table of ${table.rows.length} rows signed, as of ${new Date(asOf * 1000).toISOString()}`,
    );
    console.log(`fxTable hash: ${hash}`);
    console.log(`FX source keyId: ${signer.keyId}`);
    console.log(`written to ${out}`);
  },
};

export const KEY_COMMANDS: Command[] = [keysNew, keysImport, keysShow, fxSign];
