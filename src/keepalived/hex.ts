/**
 * keepalived's free-form hex strings (UDP_CHECK payload / require_reply): blanks separate groups,
 * each pair of digits is a byte and a lone digit before a blank or the end is a byte of its own
 * ("Ab12f 3 456" is AB 12 0F 03 45 06). In require_reply an `X` is a wildcard nibble.
 */

/** Bytes as lowercase hex without blanks, and whether any `X` wildcard was used; undefined when not hex. */
export function readHex(text: string, allowWildcard: boolean): { bytes: string; wildcard: boolean } | undefined {
  const nibble = (c: string | undefined): string | undefined => {
    if (c === undefined) return undefined;
    if (/[0-9a-fA-F]/.test(c)) return c.toLowerCase();
    if (allowWildcard && (c === 'x' || c === 'X')) return 'x';
    return undefined;
  };
  let out = '';
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === '\t') i++;
    if (i >= text.length) break;
    const hi = nibble(text[i++]);
    if (hi === undefined) return undefined;
    if (i < text.length && text[i] !== ' ' && text[i] !== '\t') {
      const lo = nibble(text[i++]);
      if (lo === undefined) return undefined;
      out += hi + lo;
    } else out += '0' + hi;
  }
  return out === '' ? undefined : { bytes: out.replace(/x/g, '0'), wildcard: out.includes('x') };
}
