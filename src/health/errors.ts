/**
 * The health layer's one error class. Probes never throw (failures are results); only misuse of the
 * engine does, with a stable `code`:
 *  - 'ESTOPPED': setTargets() after stop();
 *  - 'EKIND': a target whose spec names a kind with no checker (a spec that bypassed checkSchema);
 *  - 'ESHARD': a probe thread of the sharded engine ended or failed while it ran (shards.ts).
 */
export class HealthError extends Error {
  readonly code: 'ESTOPPED' | 'EKIND' | 'ESHARD';

  /** Makes an error with a stable code and a message naming the problem. */
  constructor(code: 'ESTOPPED' | 'EKIND' | 'ESHARD', message: string) {
    super(message);
    this.name = 'HealthError';
    this.code = code;
  }
}
