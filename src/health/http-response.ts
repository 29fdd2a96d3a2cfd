/**
 * A pure, incremental HTTP/1.x response parser for health probes: bytes in, the status, the few headers
 * a probe needs, and the decoded body out. No socket here: `feed()` takes chunks as they arrive,
 * `end()` is called when the peer closes. Framing follows RFC 9112 §6.3: no body for HEAD, 1xx, 204 and
 * 304; chunked when it is the last transfer coding (it overrides Content-Length); else Content-Length;
 * else the body runs to the close. Interim 1xx responses (100 Continue) are skipped. Lines end in CRLF.
 *
 * Error codes follow llhttp's names (the parser inside node:http), so reasons read like Node's own:
 * "HPE_INVALID_CONSTANT", "HPE_HEADER_OVERFLOW", ...
 */

/** Codes of HttpParseError, named as llhttp names them. */
export type HttpParseCode =
  | 'HPE_INVALID_CONSTANT'
  | 'HPE_INVALID_STATUS'
  | 'HPE_INVALID_HEADER_TOKEN'
  | 'HPE_HEADER_OVERFLOW'
  | 'HPE_INVALID_CONTENT_LENGTH'
  | 'HPE_INVALID_CHUNK_SIZE'
  | 'HPE_LF_EXPECTED'
  | 'HPE_INVALID_EOF_STATE';

/** A response that is not valid HTTP/1.x, or that ended early; `code` is stable, `message` names the problem. */
export class HttpParseError extends Error {
  readonly code: HttpParseCode;

  /** Makes an error with a stable code and a message naming the problem. */
  constructor(code: HttpParseCode, message: string) {
    super(message);
    this.name = 'HttpParseError';
    this.code = code;
  }
}

/** What a probe needs from the final response head. */
export interface ResponseHead {
  /** Status code, 100-999 as sent (the judge decides what is acceptable). */
  status: number;
  /** Content-Length when sent and not overridden by chunked. */
  contentLength?: number;
  chunked: boolean;
  /** The Location header, if any (for redirects). */
  location?: string;
}

/** Parser settings. */
export interface ParserOptions {
  /** The request was HEAD: the response has no body whatever its headers say. */
  head: boolean;
  /** Largest response head (and trailer section) accepted, in bytes (default 16 KiB). */
  maxHeadBytes?: number;
  /** Receives decoded body bytes; the view is only valid during the call (copy what you keep). */
  onBody(view: Buffer): void;
}

type State = 'head' | 'length' | 'size' | 'data' | 'data-end' | 'trailer' | 'close' | 'done';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const STATUS_LINE = /^HTTP\/1\.[01] (\d{3})(?: [^\r\n]*)?$/;
const CHUNK_SIZE = /^([0-9a-fA-F]{1,13})[ \t]*(;.*)?$/;
const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_LINE = 1024;

/** Incremental response parser; throws HttpParseError from feed()/end() on invalid or incomplete input. */
export class ResponseParser {
  /** The final (non-1xx) response head, once parsed. */
  head: ResponseHead | undefined;
  /** Body bytes decoded so far. */
  bodyBytes = 0;
  private state: State = 'head';
  private pending: Buffer | undefined;
  private line = '';
  private left = 0;
  private trailerBytes = 0;
  private readonly maxHead: number;

  /** A parser for one response to a request (HEAD or not, per `opts.head`). */
  constructor(private readonly opts: ParserOptions) {
    this.maxHead = opts.maxHeadBytes ?? 16 * 1024;
  }

  /** True once the whole response (head and body) has been read. */
  get done(): boolean {
    return this.state === 'done';
  }

  /** Takes the next bytes from the connection. Bytes after the end of the response are ignored. */
  feed(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length && this.state !== 'done') i = this.step(chunk, i);
  }

  /** The peer closed: completes a body that runs to the close, else throws HPE_INVALID_EOF_STATE. */
  end(): void {
    if (this.state === 'close') this.state = 'done';
    if (this.state === 'done') return;
    throw new HttpParseError('HPE_INVALID_EOF_STATE', `connection closed ${this.where()}`);
  }

  private where(): string {
    if (this.state === 'head') return `before the end of the response head (got ${this.pending?.length ?? 0} bytes)`;
    if (this.state === 'length') return `after ${this.bodyBytes} of ${this.head!.contentLength} body bytes`;
    return `in the chunked body (after ${this.bodyBytes} body bytes)`;
  }

  private step(b: Buffer, i: number): number {
    switch (this.state) {
      case 'head':
        return this.readHead(b, i);
      case 'length':
      case 'data':
        return this.readCounted(b, i);
      case 'close':
        this.emit(b.subarray(i));
        return b.length;
      default:
        return this.readLine(b, i);
    }
  }

  private emit(view: Buffer): void {
    if (view.length === 0) return;
    this.bodyBytes += view.length;
    this.opts.onBody(view);
  }

  private readCounted(b: Buffer, i: number): number {
    const n = Math.min(this.left, b.length - i);
    this.emit(b.subarray(i, i + n));
    this.left -= n;
    if (this.left === 0) this.state = this.state === 'length' ? 'done' : 'data-end';
    return i + n;
  }

  private readHead(b: Buffer, i: number): number {
    const had = this.pending?.length ?? 0;
    const buf = had ? Buffer.concat([this.pending!, b.subarray(i)]) : b.subarray(i);
    checkConstant(buf);
    const at = buf.indexOf(HEAD_END);
    if (at < 0) {
      if (buf.length > this.maxHead)
        throw new HttpParseError('HPE_HEADER_OVERFLOW', `response head larger than ${this.maxHead} bytes`);
      this.pending = Buffer.from(buf);
      return b.length;
    }
    if (at + 4 > this.maxHead)
      throw new HttpParseError('HPE_HEADER_OVERFLOW', `response head larger than ${this.maxHead} bytes`);
    this.pending = undefined;
    this.startBody(parseHead(buf.toString('latin1', 0, at)));
    return i + at + 4 - had;
  }

  private startBody(head: ResponseHead): void {
    const s = head.status;
    if (s >= 100 && s < 200 && s !== 101) return; // interim response: the real one follows
    this.head = head;
    if (this.opts.head || s < 200 || s === 204 || s === 304) this.state = 'done';
    else if (head.chunked) this.state = 'size';
    else if (head.contentLength === undefined) this.state = 'close';
    else if (head.contentLength === 0) this.state = 'done';
    else ((this.state = 'length'), (this.left = head.contentLength));
  }

  /** Reads one CRLF-terminated line (chunk size, CRLF after data, trailer) across chunks. */
  private readLine(b: Buffer, i: number): number {
    const lf = b.indexOf(0x0a, i);
    const end = lf < 0 ? b.length : lf;
    this.line += b.toString('latin1', i, end);
    if (this.state === 'trailer' && this.trailerBytes + this.line.length > this.maxHead)
      throw new HttpParseError('HPE_HEADER_OVERFLOW', `trailer section larger than ${this.maxHead} bytes`);
    if (this.state !== 'trailer' && this.line.length > MAX_LINE)
      throw new HttpParseError('HPE_INVALID_CHUNK_SIZE', `chunk size line longer than ${MAX_LINE} bytes`);
    if (lf < 0) return b.length;
    if (!this.line.endsWith('\r'))
      throw new HttpParseError('HPE_LF_EXPECTED', `expected CRLF line ending in the chunked body`);
    const line = this.line.slice(0, -1);
    this.line = '';
    this.takeLine(line);
    return lf + 1;
  }

  private takeLine(line: string): void {
    if (this.state === 'data-end') {
      if (line !== '') throw new HttpParseError('HPE_LF_EXPECTED', 'expected CRLF after chunk data');
      this.state = 'size';
    } else if (this.state === 'size') {
      const m = CHUNK_SIZE.exec(line);
      if (!m)
        throw new HttpParseError(
          'HPE_INVALID_CHUNK_SIZE',
          `invalid chunk size line ${JSON.stringify(line.slice(0, 40))}`,
        );
      this.left = parseInt(m[1], 16);
      this.state = this.left === 0 ? 'trailer' : 'data';
    } else {
      this.trailerBytes += line.length + 2;
      if (line === '') this.state = 'done';
    }
  }
}

/** Fails fast on bytes that cannot start an HTTP/1.x response (garbage), without waiting for a full head. */
function checkConstant(buf: Buffer): void {
  const n = Math.min(buf.length, 5);
  if (buf.toString('latin1', 0, n) !== 'HTTP/'.slice(0, n))
    throw new HttpParseError(
      'HPE_INVALID_CONSTANT',
      `expected "HTTP/" at the start of the response, got ${JSON.stringify(buf.toString('latin1', 0, Math.min(buf.length, 16)))}`,
    );
}

/** Parses a response head (status line and header lines, without the final CRLFCRLF). */
export function parseHead(text: string): ResponseHead {
  const lines = text.split('\r\n');
  const m = STATUS_LINE.exec(lines[0]);
  if (!m)
    throw new HttpParseError('HPE_INVALID_STATUS', `invalid status line ${JSON.stringify(lines[0].slice(0, 60))}`);
  const head: ResponseHead = { status: Number(m[1]), chunked: false };
  let te: string | undefined;
  for (let k = 1; k < lines.length; k++) {
    const [name, value] = splitHeader(lines[k]);
    const lower = name.toLowerCase();
    if (lower === 'content-length') head.contentLength = contentLength(value, head.contentLength);
    else if (lower === 'transfer-encoding') te = te === undefined ? value : `${te}, ${value}`;
    else if (lower === 'location') head.location = value;
  }
  if (te !== undefined) {
    // Transfer-Encoding overrides Content-Length; with another coding last, the body runs to the close
    head.chunked = te.split(',').at(-1)!.trim().toLowerCase() === 'chunked';
    head.contentLength = undefined;
  }
  return head;
}

function splitHeader(line: string): [string, string] {
  const colon = line.indexOf(':');
  const name = colon < 0 ? line : line.slice(0, colon);
  if (colon < 0 || !TOKEN.test(name))
    throw new HttpParseError('HPE_INVALID_HEADER_TOKEN', `invalid header line ${JSON.stringify(line.slice(0, 60))}`);
  return [name, line.slice(colon + 1).trim()];
}

function contentLength(value: string, earlier: number | undefined): number {
  if (!/^\d{1,15}$/.test(value))
    throw new HttpParseError(
      'HPE_INVALID_CONTENT_LENGTH',
      `invalid Content-Length ${JSON.stringify(value.slice(0, 30))}`,
    );
  const n = Number(value);
  if (earlier !== undefined && earlier !== n)
    throw new HttpParseError('HPE_INVALID_CONTENT_LENGTH', `conflicting Content-Length values ${earlier} and ${n}`);
  return n;
}
