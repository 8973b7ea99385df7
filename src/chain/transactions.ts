import { isError, type TransactionReceipt, type TransactionResponse } from 'ethers';
import { ZkAttestError } from '../common/errors';

/** How long a command waits for a sent transaction's receipt (ZKATTEST_TX_TIMEOUT_MS). */
export function txTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.ZKATTEST_TX_TIMEOUT_MS;
  if (raw === undefined || raw === '') return 120_000;
  if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < 100) {
    throw new ZkAttestError(
      'CONFIG_INVALID',
      'ZKATTEST_TX_TIMEOUT_MS must be a whole number of milliseconds, at least 100',
    );
  }
  return Number(raw);
}

/**
 * The receipt of a sent transaction, waited for at most txTimeoutMs(): a transaction the chain
 * does not mine in time is TX_NOT_MINED with its hash (it may still be mined later: check it
 * before resending), a node gone meanwhile CHAIN_UNAVAILABLE. A revert is the caller's (ethers'
 * CALL_EXCEPTION, decoded with revertName).
 */
export async function confirmed(
  tx: TransactionResponse,
  what: string,
): Promise<TransactionReceipt> {
  const timeoutMs = txTimeoutMs();
  let receipt: TransactionReceipt | null;
  try {
    receipt = await tx.wait(1, timeoutMs);
  } catch (err) {
    if (isError(err, 'TIMEOUT')) {
      throw new ZkAttestError(
        'TX_NOT_MINED',
        `${what}: transaction ${tx.hash} has no receipt after ${timeoutMs} ms; it may still be ` +
          'mined: check it before sending again',
        { txHash: tx.hash },
      );
    }
    throw chainError(err);
  }
  if (!receipt) {
    throw new ZkAttestError('TX_NOT_MINED', `${what}: transaction ${tx.hash} was dropped`, {
      txHash: tx.hash,
    });
  }
  return receipt;
}

const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

/**
 * An ethers failure to talk to the node (refused, reset, timed out, a bad answer) as
 * CHAIN_UNAVAILABLE; anything else (a revert, our own errors) as it was.
 */
export function chainError(err: unknown): unknown {
  if (err instanceof ZkAttestError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = (err as { message?: unknown } | null)?.message;
  const unreachable =
    isError(err, 'NETWORK_ERROR') ||
    isError(err, 'SERVER_ERROR') ||
    isError(err, 'TIMEOUT') ||
    // Node's own socket errors (ethers passes them through as they are).
    (typeof code === 'string' && SOCKET_ERRORS.has(code)) ||
    (typeof message === 'string' && /fetch failed|socket hang up/.test(message));
  if (!unreachable) return err;
  return new ZkAttestError(
    'CHAIN_UNAVAILABLE',
    'the JSON-RPC node stopped answering (is it still up?); a transaction sent before may ' +
      'or may not have been mined: check before sending again',
  );
}
