import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpParseError, parseHead, ResponseParser } from '../../../src/health/http-response.js';

/** Parses `chunks` as one response; returns the head, the body text and whether it completed before `end()`. */
function parse(chunks: Array<string | Buffer>, opts: { head?: boolean; close?: boolean } = {}) {
  const body: Buffer[] = [];
  const p = new ResponseParser({ head: opts.head ?? false, onBody: (v) => body.push(Buffer.from(v)) });
  for (const c of chunks) p.feed(typeof c === 'string' ? Buffer.from(c, 'latin1') : c);
  const doneBeforeClose = p.done;
  if (opts.close) p.end();
  return {
    head: p.head,
    body: Buffer.concat(body).toString('latin1'),
    done: p.done,
    doneBeforeClose,
    bodyBytes: p.bodyBytes,
  };
}

function parseError(chunks: string[], close = false): HttpParseError {
  try {
    parse(chunks, { close });
  } catch (e) {
    expect(e).toBeInstanceOf(HttpParseError);
    return e as HttpParseError;
  }
  throw new Error('expected an HttpParseError');
}

const OK = 'HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n';

describe('response framing', () => {
  it('Content-Length: completes after exactly that many body bytes and ignores the rest', () => {
    expect(parse([OK + 'EXTRA'])).toMatchObject({
      head: { status: 200, contentLength: 3, chunked: false },
      body: 'ok\n',
      done: true,
    });
  });

  it('chunked: decodes chunks with extensions and trailers; overrides Content-Length', () => {
    const r = parse([
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 99\r\n\r\n',
      '5;ext=1\r\nhello\r\n',
      '1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: 1\r\n\r\n',
    ]);
    expect(r).toMatchObject({
      head: { status: 200, chunked: true, contentLength: undefined },
      body: 'hello world',
      done: true,
    });
  });

  it('no length: the body runs to the close', () => {
    const r = parse(['HTTP/1.0 200 OK\r\n\r\nall ', 'of it'], { close: true });
    expect(r).toMatchObject({ body: 'all of it', doneBeforeClose: false, done: true });
    expect(
      parse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nabc'], { close: true }).body,
    ).toBe('abc');
  });

  it('no body for HEAD, 204 and 304, whatever the headers say', () => {
    expect(parse(['HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n'], { head: true })).toMatchObject({
      done: true,
      body: '',
    });
    expect(parse(['HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n'])).toMatchObject({
      head: { status: 204 },
      done: true,
    });
    expect(parse(['HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n'])).toMatchObject({
      head: { status: 304 },
      done: true,
    });
  });

  it('skips interim 1xx responses and reports the final one', () => {
    const r = parse([
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n',
      'HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy',
    ]);
    expect(r).toMatchObject({ head: { status: 503 }, body: 'busy', done: true });
  });

  it('keeps Location, and Content-Length 0 completes at once', () => {
    expect(parse(['HTTP/1.1 301 Moved\r\nlocation: /new\r\ncontent-length: 0\r\n\r\n'])).toMatchObject({
      head: { status: 301, location: '/new' },
      done: true,
    });
  });

  it('a response split at every byte parses the same', () => {
    const bytes = [...OK].map((c) => c);
    expect(parse(bytes)).toMatchObject({ head: { status: 200 }, body: 'ok\n', done: true });
  });
});

describe('bad responses give HttpParseError with llhttp codes', () => {
  it('garbage fails at once, without waiting for a whole head', () => {
    expect(parseError(['\x16\x03\x01']).code).toBe('HPE_INVALID_CONSTANT');
    expect(parseError(['SSH-2.0-OpenSSH_9.2\r\n']).message).toMatch(
      /expected "HTTP\/" at the start of the response, got "SSH-2.0-OpenSSH_"$/,
    );
  });

  it('bad status line, header line, Content-Length', () => {
    expect(parseError(['HTTP/1.1 2000 OK\r\n\r\n']).code).toBe('HPE_INVALID_STATUS');
    expect(parseError(['HTTP/2 200\r\n\r\n']).code).toBe('HPE_INVALID_STATUS');
    expect(parseError(['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n']).code).toBe('HPE_INVALID_HEADER_TOKEN');
    expect(parseError(['HTTP/1.1 200 OK\r\nbad name: x\r\n\r\n']).code).toBe('HPE_INVALID_HEADER_TOKEN');
    expect(parseError(['HTTP/1.1 200 OK\r\n folded: x\r\n\r\n']).code).toBe('HPE_INVALID_HEADER_TOKEN');
    expect(parseError(['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n']).code).toBe('HPE_INVALID_CONTENT_LENGTH');
    expect(parseError(['HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n']).message).toBe(
      'conflicting Content-Length values 1 and 2',
    );
  });

  it('a head larger than 16 KiB is HPE_HEADER_OVERFLOW, also when it never ends', () => {
    const big = 'HTTP/1.1 200 OK\r\n' + `X-Big: ${'a'.repeat(17_000)}\r\n`;
    expect(parseError([big]).code).toBe('HPE_HEADER_OVERFLOW');
    expect(parseError([big + '\r\n']).code).toBe('HPE_HEADER_OVERFLOW');
  });

  it('bad chunk size, missing CRLF after data, endless trailers', () => {
    const h = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n';
    expect(parseError([h + 'zz\r\n']).code).toBe('HPE_INVALID_CHUNK_SIZE');
    expect(parseError([h + 'f'.repeat(2000)]).code).toBe('HPE_INVALID_CHUNK_SIZE');
    expect(parseError([h + '2\r\nabX\r\n']).code).toBe('HPE_LF_EXPECTED');
    expect(parseError([h + '2\nab\r\n']).code).toBe('HPE_LF_EXPECTED');
    expect(parseError([h + '0\r\n' + 'X: y\r\n'.repeat(3000)]).code).toBe('HPE_HEADER_OVERFLOW');
  });

  it('a close before the end says where it stopped', () => {
    expect(parseError(['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart'], true).message).toBe(
      'connection closed after 4 of 10 body bytes',
    );
    expect(parseError(['HTTP/1.1 200'], true).message).toBe(
      'connection closed before the end of the response head (got 12 bytes)',
    );
    expect(parseError([], true).message).toBe('connection closed before the end of the response head (got 0 bytes)');
    expect(parseError(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab'], true).code).toBe(
      'HPE_INVALID_EOF_STATE',
    );
  });
});

describe('parseHead', () => {
  it('reads the status and the framing headers in any case', () => {
    expect(parseHead('HTTP/1.1 404 Not Found\r\nCONTENT-LENGTH: 12\r\nLOCATION:  /x ')).toEqual({
      status: 404,
      contentLength: 12,
      chunked: false,
      location: '/x',
    });
    expect(parseHead('HTTP/1.0 200')).toEqual({ status: 200, chunked: false });
    expect(parseHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: Chunked')).toMatchObject({
      chunked: true,
    });
  });
});

/** A response to the fuzzer: status, body, and how it is framed. */
const responseArb = fc.record({
  status: fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
  body: fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
  framing: fc.constantFrom('length', 'chunked', 'close'),
  chunkSizes: fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 8 }),
  extraHeaders: fc.array(
    fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), fc.stringMatching(/^[ -~]{0,30}$/)),
    { maxLength: 5 },
  ),
});

type Resp = typeof responseArb extends fc.Arbitrary<infer T> ? T : never;

function encode(r: Resp): Buffer {
  const headers = r.extraHeaders
    .filter(([k]) => !/^(content-length|transfer-encoding|location)$/i.test(k))
    .map(([k, v]) => `${k}: ${v.trim()}\r\n`);
  if (r.framing === 'length') headers.push(`Content-Length: ${r.body.length}\r\n`);
  if (r.framing === 'chunked') headers.push('Transfer-Encoding: chunked\r\n');
  const head = Buffer.from(`HTTP/1.1 ${r.status} X\r\n${headers.join('')}\r\n`, 'latin1');
  if (r.framing !== 'chunked') return Buffer.concat([head, r.body]);
  const parts: Buffer[] = [head];
  let at = 0;
  for (let k = 0; at < r.body.length; k++) {
    const n = Math.min(r.chunkSizes[k % r.chunkSizes.length], r.body.length - at);
    parts.push(Buffer.from(`${n.toString(16)}\r\n`), r.body.subarray(at, at + n), Buffer.from('\r\n'));
    at += n;
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

/** Splits `b` at the given cut points (any order, any values). */
function split(b: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...at, b.length]) (out.push(b.subarray(prev, c)), (prev = c));
  return out;
}

describe('fuzz (fast-check)', () => {
  it('any valid response, cut into any chunks, gives back its status and body', () => {
    fc.assert(
      fc.property(responseArb, fc.array(fc.nat(), { maxLength: 12 }), (r, cuts) => {
        const got = parse(split(encode(r), cuts), { close: r.framing === 'close' });
        expect(got.head?.status).toBe(r.status);
        expect(got.done).toBe(true);
        expect(Buffer.from(got.body, 'latin1').equals(r.body)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('arbitrary bytes (random, or a valid response with bytes flipped) only ever throw HttpParseError', () => {
    const mutated = fc
      .tuple(
        responseArb,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
      )
      .map(([r, flips]) => {
        const b = Buffer.from(encode(r));
        for (const [i, v] of flips) b[i % b.length] = v;
        return b;
      });
    const anyBytes = fc.oneof(
      fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
      mutated,
      fc.constant(Buffer.from('HTTP/1.1 ')),
    );
    let threw = 0;
    fc.assert(
      fc.property(anyBytes, fc.array(fc.nat(), { maxLength: 6 }), fc.boolean(), (b, cuts, head) => {
        try {
          parse(split(b, cuts), { head, close: true });
        } catch (e) {
          threw++;
          expect(e).toBeInstanceOf(HttpParseError);
        }
      }),
      { numRuns: 1000 },
    );
    expect(threw).toBeGreaterThan(100); // the fuzz did reach the error paths
  });
});
