/**
 * Valid inputs the fuzz targets mutate, read from the repository's captures (run from its root, as
 * every benchmark and test is): keepalived's adverts, ipvsadm's and the kernel's netlink datagrams,
 * and the example configs; plus responses built here for the text protocols.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import dnsPacket from 'dns-packet';
import { encodeAdvert } from '../../src/vrrp/packet.js';
import { parseStrace } from '../../test/unit/ipvs/capture.js';
import * as NL from '../../test/unit/netlink/captured.js';
import * as RT from '../../test/unit/rtnetlink/captured.js';
import { parseTcpdumpHex } from '../../test/unit/vrrp/golden.js';

const FIXTURES = resolve('test/fixtures');
const read = (...p: string[]) => readFileSync(join(FIXTURES, ...p), 'utf8');

/** IPv4 packets (header included) of every keepalived advert captured, plus v3/IPv6 messages. */
export function vrrpSeeds(): Buffer[] {
  const v4 = readdirSync(join(FIXTURES, 'vrrp'))
    .filter((f) => f.endsWith('.txt'))
    .flatMap((f) => parseTcpdumpHex(read('vrrp', f)))
    .filter((f) => f.bytes.readUInt16BE(12) === 0x0800)
    .map((f) => f.bytes.subarray(14));
  const v6 = encodeAdvert(
    { version: 3, vrid: 51, priority: 200, intervalCs: 100, addresses: ['2001:db8::50', 'fe80::50'] },
    'fe80::1',
    'ff02::12',
  );
  return [...v4, v6];
}

/** Every datagram the kernel sent in the ipvsadm captures, and the hand-captured netlink/rtnetlink replies. */
export function netlinkSeeds(): Buffer[] {
  const ipvs = readdirSync(join(FIXTURES, 'ipvs'))
    .filter((f) => f.endsWith('.strace'))
    .flatMap((f) => parseStrace(read('ipvs', f)))
    .filter((d) => d.dir === 'recv')
    .map((d) => d.bytes);
  const hex = [...Object.values(NL), ...Object.values(RT)].flatMap((v) => (Array.isArray(v) ? v : [v]));
  return [...ipvs, ...hex.filter((h): h is string => typeof h === 'string').map((h) => Buffer.from(h, 'hex'))];
}

/** Request and response lines of the control protocol. */
export function controlSeeds(): Buffer[] {
  return [
    '{"cmd":"status"}',
    '{"cmd":"reload"}',
    '{"cmd":"drain","vs":"web","rs":"10.0.0.2:8080"}',
    '{"cmd":"enable","vs":"web","rs":"[2001:db8::1]:80"}',
    '{"ok":true,"result":{"services":[{"name":"web","weight":100}]}}',
    '{"ok":false,"error":{"code":"ENOVS","message":"no virtual server named \\"x\\""}}',
  ].map((s) => Buffer.from(s));
}

/** HTTP/1.x responses with every framing the parser knows. */
export function httpSeeds(): Buffer[] {
  return [
    'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n',
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    'HTTP/1.1 301 Moved Permanently\r\nLocation: http://example.com/\r\nContent-Length: 0\r\n\r\n',
    'HTTP/1.0 200 OK\r\nServer: x\r\n\r\nbody to the close',
    'HTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: gzip, chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
  ].map((s) => Buffer.from(s, 'latin1'));
}

/** The query id every DNS seed answers. */
export const DNS_ID = 0x1234;

/** DNS responses with answers of every record type a dns check may ask for. */
export function dnsSeeds(): Buffer[] {
  const answers: dnsPacket.Answer[] = [
    { type: 'A', name: 'svc.example', data: '10.1.2.3' },
    { type: 'AAAA', name: 'svc.example', data: '2001:db8::1' },
    { type: 'TXT', name: 'svc.example', data: ['ok', 'v=1'] },
    { type: 'SRV', name: 'svc.example', data: { priority: 1, weight: 2, port: 80, target: 'a.example' } },
    { type: 'MX', name: 'svc.example', data: { preference: 10, exchange: 'mx.example' } },
    { type: 'CNAME', name: 'svc.example', data: 'other.example' },
    {
      type: 'SOA',
      name: 'example',
      data: {
        mname: 'ns.example',
        rname: 'h.example',
        serial: 1,
        refresh: 2,
        retry: 3,
        expire: 4,
        minimum: 5,
      },
    },
  ];
  const one = (a: dnsPacket.Answer[], rcode = 0) =>
    dnsPacket.encode({
      type: 'response',
      id: DNS_ID,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions: [{ type: a[0]?.type ?? 'A', name: 'svc.example' }],
      answers: a,
    } as dnsPacket.Packet);
  return [...answers.map((a) => one([a])), one(answers), one([], 3)];
}

/** The valid example configs. */
export function configSeeds(): Buffer[] {
  return readdirSync(join(FIXTURES, 'config/valid')).map((f) => Buffer.from(read('config/valid', f)));
}
