/**
 * A rules file after validation, packed for sending: every line's generic netlink payload back to
 * back in ONE buffer, and per-line facts in typed arrays. No object per line outlives validation,
 * so an 11,000-line restore keeps V8's heap small (inside user-mode Linux every freshly touched
 * heap page is a costly page fault; see bench/results/ipvs.md). Pure.
 */
import type { IpvsRequest } from './codec.js';

/** Rules ready to send; rule `i` (0-based, file order) is described by the arrays at index `i`. */
export interface PackedRules {
  /** Number of rules (blank and comment lines are not rules). */
  readonly count: number;
  /** The rules file as read. */
  readonly text: string;
  /** 1-based line number of each rule. */
  readonly lineNo: Int32Array;
  /** Where each rule's line starts and ends in `text` (end excludes the newline). */
  readonly textStart: Int32Array;
  readonly textEnd: Int32Array;
  /** Generic netlink command of each rule. */
  readonly cmd: Uint8Array;
  /** Each rule's payload is `bytes[payloadStart[i], payloadStart[i + 1])`. */
  readonly payloadStart: Int32Array;
  readonly bytes: Buffer;
}

/** The source text of rule `i`, trimmed. */
export function ruleText(r: PackedRules, i: number): string {
  return r.text.slice(r.textStart[i], r.textEnd[i]).trim();
}

/** Rule `i` as a request: its payload is a view into `r.bytes`; its name is asked of `name` only when read. */
class PackedRequest implements IpvsRequest {
  readonly cmd: number;
  readonly payload: Buffer;

  constructor(
    r: PackedRules,
    private readonly i: number,
    private readonly name: (i: number) => string,
  ) {
    this.cmd = r.cmd[i];
    this.payload = r.bytes.subarray(r.payloadStart[i], r.payloadStart[i + 1]);
  }

  get op(): string {
    return this.name(this.i);
  }
}

/**
 * Rules `from` to `to` (exclusive) as requests. A request's `op` (its name in errors) comes from
 * `name(i)`, called only when an error is built: keeping 10,000s of names would cost more than
 * finding the rare one again.
 */
export function requestsOf(r: PackedRules, from: number, to: number, name: (i: number) => string): IpvsRequest[] {
  const out = new Array<IpvsRequest>(to - from);
  for (let i = from; i < to; i++) out[i - from] = new PackedRequest(r, i, name);
  return out;
}

/** Collects encoded rules; `build` hands out the PackedRules. */
export class PackedRulesBuilder {
  private n = 0;
  private used = 0;
  private lineNo: Int32Array;
  private textStart: Int32Array;
  private textEnd: Int32Array;
  private cmd: Uint8Array;
  private payloadStart: Int32Array;
  private bytes: Buffer;

  /** `text` is the whole file; sizes are guessed from it and grow when needed. */
  constructor(private readonly text: string) {
    const guess = Math.max(16, text.length >> 5);
    this.lineNo = new Int32Array(guess);
    this.textStart = new Int32Array(guess);
    this.textEnd = new Int32Array(guess);
    this.cmd = new Uint8Array(guess);
    this.payloadStart = new Int32Array(guess + 1);
    this.bytes = Buffer.allocUnsafe(Math.max(4096, text.length * 4));
  }

  /** Appends one encoded rule: its line number, its span in the text, and its request. */
  add(line: number, start: number, end: number, req: IpvsRequest): void {
    if (this.n + 1 >= this.lineNo.length) this.growRows();
    if (this.used + req.payload.length > this.bytes.length) this.growBytes(req.payload.length);
    const i = this.n++;
    this.lineNo[i] = line;
    this.textStart[i] = start;
    this.textEnd[i] = end;
    this.cmd[i] = req.cmd;
    this.payloadStart[i] = this.used;
    this.bytes.set(req.payload, this.used);
    this.used += req.payload.length;
    this.payloadStart[i + 1] = this.used;
  }

  private growRows(): void {
    const grow = <T extends Int32Array | Uint8Array>(a: T, extra = 0): T => {
      const b = new (a.constructor as new (n: number) => T)(a.length * 2 + extra);
      b.set(a);
      return b;
    };
    this.lineNo = grow(this.lineNo);
    this.textStart = grow(this.textStart);
    this.textEnd = grow(this.textEnd);
    this.cmd = grow(this.cmd);
    this.payloadStart = grow(this.payloadStart, 1);
  }

  private growBytes(need: number): void {
    const b = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, this.used + need));
    this.bytes.copy(b, 0, 0, this.used);
    this.bytes = b;
  }

  /** The rules added so far. */
  build(): PackedRules {
    return {
      count: this.n,
      text: this.text,
      lineNo: this.lineNo,
      textStart: this.textStart,
      textEnd: this.textEnd,
      cmd: this.cmd,
      payloadStart: this.payloadStart,
      bytes: this.bytes.subarray(0, this.used),
    };
  }
}
