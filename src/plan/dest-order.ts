/**
 * The order of a service's destinations in the kernel, pure. The kernel links a new destination at
 * the head of its service's list (ip_vs_ctl.c, __ip_vs_update_dest: list_add_rcu), dumps the list
 * from the head, and the mh scheduler builds its lookup table walking it from the head
 * (ip_vs_mh.c). So a list read from the kernel, taken from its tail, is the order its
 * destinations were added in, and a service whose destinations were added one by one in order D
 * holds them in reverse(D).
 *
 * `realignFrom` says how little must be deleted and added again so that a kernel list shaped by
 * some history (reloads that added servers, by hand edits) becomes the list a fresh start gives.
 */

/** The kernel's list (head first) after adding `addOrder` one by one to an empty service. */
export function freshKernelOrder<T>(addOrder: readonly T[]): T[] {
  return [...addOrder].reverse();
}

/**
 * Index k into `addOrder` (the keys a fresh start adds, in order) such that keeping
 * `addOrder[0..k)` where they are and (re-)adding `addOrder[k..]` in order turns the kernel list
 * `kernel` (keys, head first) into `freshKernelOrder(addOrder)` with the fewest re-adds (keys of
 * `kernel` not in `addOrder` are deleted anyway and do not count).
 *
 * Why: re-added and new keys end up above the ones left in place, which keep their relative
 * order; so the ones left in place must be a tail of the fresh list that the kernel already
 * holds in that order: a prefix of `addOrder` that is a subsequence of `kernel` read from its
 * tail. The longest such prefix, found greedily, leaves the fewest to re-add.
 */
export function realignFrom(kernel: readonly string[], addOrder: readonly string[]): number {
  let k = 0;
  for (let i = kernel.length - 1; i >= 0 && k < addOrder.length; i--) if (kernel[i] === addOrder[k]) k++;
  return k;
}
