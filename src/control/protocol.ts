/**
 * The control protocol between lvsctl and the daemon: one JSON object per line over a unix stream
 * socket (global.control_socket, mode 0600). The client sends ONE request line, the daemon answers
 * with ONE response line and closes the connection.
 *
 *   → {"cmd":"status"}
 *   → {"cmd":"show","vs":"web","health":"down","state":"drain","problems":true}   (every filter optional)
 *   → {"cmd":"state","vs":"web","rs":"10.0.0.2:8080","state":"ready"|"drain"|"maint"}  (no rs: the whole VS)
 *   → {"cmd":"weight","vs":"web","rs":"10.0.0.2:8080","weight":50|"50%"|"reset"}     (no rs: every RS of VS)
 *   → {"cmd":"check","vs":"web","rs":"10.0.0.2:8080"}                                 (no rs: every RS of VS)
 *   → {"cmd":"drain",...} / {"cmd":"enable",...}   the same as state drain / state ready
 *   → {"cmd":"reload"}
 *   → {"cmd":"maintenance","on":true}       (the whole director: withdraw every announced VIP)
 *   ← {"ok":true,"result":{...}}
 *   ← {"ok":false,"error":{"code":"ENOVS","message":"no virtual server named \"x\""}}
 *
 * Pure: parsing and encoding only; the sockets live in server.ts and client.ts.
 */
import { z } from 'zod';
import { plainMessage } from '../util/zod-message.js';

/** Largest request line the daemon reads before refusing it (requests are tiny). */
export const MAX_REQUEST_BYTES = 64 * 1024;

const name = z.string().min(1).max(256);
const target = { vs: name, rs: name };
const scope = { vs: name, rs: name.optional() };

/** Operator states of `state` (HAProxy's ready / drain / maint). */
export const ADMIN_STATES = ['ready', 'drain', 'maint'] as const;

/** A weight override: a number, a percentage of the configured weight ("50%"), or "reset". */
export const weightSchema = z.union([
  z.int().min(0).max(65535),
  z.string().regex(/^(\d{1,3})%$/, 'a weight is 0-65535, a percentage like "50%", or "reset"'),
  z.literal('reset'),
]);

/** Schema of a request line. */
export const requestSchema = z.discriminatedUnion('cmd', [
  z.strictObject({ cmd: z.literal('status') }),
  z.strictObject({
    cmd: z.literal('show'),
    vs: name.optional(),
    rs: name.optional(),
    health: z.enum(['up', 'down', 'unchecked']).optional(),
    state: z.enum(ADMIN_STATES).optional(),
    problems: z.boolean().optional(),
  }),
  z.strictObject({ cmd: z.literal('reload') }),
  z.strictObject({ cmd: z.literal('state'), ...scope, state: z.enum(ADMIN_STATES) }),
  z.strictObject({ cmd: z.literal('weight'), ...scope, weight: weightSchema }),
  z.strictObject({ cmd: z.literal('check'), ...scope }),
  z.strictObject({ cmd: z.literal('drain'), ...target }),
  z.strictObject({ cmd: z.literal('enable'), ...target }),
  z.strictObject({ cmd: z.literal('maintenance'), on: z.boolean() }),
]);

/** A parsed control request. */
export type ControlRequest = z.output<typeof requestSchema>;

/**
 * Levels of a control connection, after HAProxy's socket levels: `user` reads (status, show),
 * `admin` also changes things (state, weight, check, reload).
 */
export type Level = 'user' | 'admin';

const READ_ONLY: ReadonlySet<string> = new Set(['status', 'show']);

/** The level a request needs. */
export function levelNeeded(req: Pick<ControlRequest, 'cmd'>): Level {
  return READ_ONLY.has(req.cmd) ? 'user' : 'admin';
}

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
    const at = (path: PropertyKey[]) => path.reduce<unknown>((o, k) => (o as Record<PropertyKey, unknown>)?.[k], raw);
    const msg = r.error.issues
      .map((i) => `${i.path.join('.') || 'request'}: ${plainMessage(i, at(i.path)) ?? i.message}`)
      .join('; ');
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
