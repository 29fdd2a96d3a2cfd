/**
 * Rate limit for log lines about dropped adverts, pure (time is an argument): the first drop of each
 * reason is logged, then at most one line per reason every `everyMs`, carrying how many drops of
 * that reason were not logged since the previous line. A flood costs one line a minute, not one per packet.
 */
export class RejectLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly everyMs = 60_000) {}

  /** Records a drop at `now`: undefined = stay quiet, else the number of drops skipped since the last line. */
  hit(reason: string, now: number): number | undefined {
    const e = this.last.get(reason);
    if (e && now - e.at < this.everyMs) {
      e.suppressed++;
      return undefined;
    }
    this.last.set(reason, { at: now, suppressed: 0 });
    return e?.suppressed ?? 0;
  }
}
