/**
 * The error `p` rejects with (code and op as the layer errors carry them); throws 'expected a rejection' if it
 * resolves.
 */
export async function rejection(p: Promise<unknown>): Promise<Error & { code?: string; op?: string }> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}
