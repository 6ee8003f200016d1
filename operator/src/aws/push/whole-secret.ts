// A whole Kubernetes Secret pushed to one remote key (data[].match.secretKey empty), encoded as
// ESO encodes it: a JSON object of the Secret's keys in sorted order (Go's map encoding) with
// HTML characters unescaped (esutils.JSONMarshal). `strings`: the values as text (ESO's
// ExtractSecretData, every Secrets Manager push and Parameter Store with encodeAsDecoded);
// `base64`: the values base64-encoded (Go's []byte encoding: Parameter Store by default).
export function encodeWholeSecret(data: Readonly<Record<string, Buffer>>, values: 'strings' | 'base64'): Buffer {
  // Built by hand: a JS object would put integer-like keys ("10", "9") first, Go sorts them as bytes.
  const members = Object.keys(data)
    .sort(byCodeUnit)
    .map((key) => {
      const value = data[key]!;
      return `${JSON.stringify(key)}:${JSON.stringify(values === 'base64' ? value.toString('base64') : value.toString('utf8'))}`;
    });
  // Go's encoder escapes U+2028 and U+2029 even without HTML escaping; JSON.stringify does not.
  return Buffer.from(`{${members.join(',')}}`.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'), 'utf8');
}

/** Go sorts map keys by bytes; for UTF-8 that is code point order, which differs from UTF-16 only above U+FFFF. */
function byCodeUnit(a: string, b: string): number {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return Buffer.compare(x, y);
}
