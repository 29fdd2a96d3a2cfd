/**
 * The control protocol between lvsctl and the daemon: one JSON object per line over a unix stream
 * socket (global.control_socket, mode 0600). The client sends ONE request line, the daemon answers
 * with ONE response line and closes the connection.
 *
 *   → {"cmd":"status"}
 *   → {"cmd":"drain","vs":"web","rs":"10.0.0.2:8080"}
 *   → {"cmd":"enable","vs":"web","rs":"10.0.0.2:8080"}
 *   → {"cmd":"reload"}
 *   → {"cmd":"maintenance","on":true}       (the whole director: withdraw every announced VIP)
 *   ← {"ok":true,"result":{...}}
 *   ← {"ok":false,"error":{"code":"ENOVS","message":"no virtual server named \"x\""}}
 *
 * Pure: parsing and encoding only; the sockets live in server.ts and client.ts.
 */
import { z } from 'zod';

/** Largest request line the daemon reads before refusing it (requests are tiny). */
export const MAX_REQUEST_BYTES = 64 * 1024;

const target = { vs: z.string().min(1), rs: z.string().min(1) };

/** Schema of a request line. */
export const requestSchema = z.discriminatedUnion('cmd', [
  z.strictObject({ cmd: z.literal('status') }),
  z.strictObject({ cmd: z.literal('reload') }),
  z.strictObject({ cmd: z.literal('drain'), ...target }),
  z.strictObject({ cmd: z.literal('enable'), ...target }),
  z.strictObject({ cmd: z.literal('maintenance'), on: z.boolean() }),
]);

/** A parsed control request. */
export type ControlRequest = z.output<typeof requestSchema>;

/** A control response: a result, or an error with a stable code. */
export type ControlResponse = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

/** Error class of the control layer; `code` is stable (EBADREQ, ENOVS, ENORS, ENODAEMON, ...). */
export class ControlError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

function parseJsonLine(line: string, code: string, message: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new ControlError(code, message);
  }
}

/** Parses one request line; throws ControlError('EBADREQ') naming the problem. */
export function parseRequest(line: string): ControlRequest {
  const raw = parseJsonLine(line, 'EBADREQ', 'request is not valid JSON');
  const r = requestSchema.safeParse(raw);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; ');
    throw new ControlError('EBADREQ', msg);
  }
  return r.data;
}

/** Encodes a response as one line; bigint values become decimal strings. */
export function encodeResponse(res: ControlResponse): string {
  return JSON.stringify(res, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) + '\n';
}

/** Decodes a response line from the daemon; throws ControlError('EBADRESP') on garbage. */
export function decodeResponse(line: string): ControlResponse {
  const raw = parseJsonLine(line, 'EBADRESP', 'daemon sent a response that is not JSON');
  const o = raw as { ok?: unknown; error?: { code?: unknown; message?: unknown } };
  if (o?.ok === true && 'result' in (o as object)) return o as ControlResponse;
  if (o?.ok === false && typeof o.error?.code === 'string' && typeof o.error.message === 'string') {
    return o as ControlResponse;
  }
  throw new ControlError('EBADRESP', 'daemon sent a malformed response');
}
