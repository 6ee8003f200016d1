// remoteRef.decodingStrategy, applied after selection (ESO order).
//
//   None       the bytes as they are.
//   Base64     standard alphabet (+/). Padding optional; CR/LF ignored (wrapped output of
//              `base64`); anything else that is not base64 is an error naming the field.
//   Base64URL  URL alphabet (-_), same rules.
//   Auto       decode only when the value is unmistakably base64: after dropping CR/LF it is
//              non-empty, uses one alphabet, is padded to a multiple of 4, and re-encoding the
//              decoded bytes gives back exactly the same text (no stray bits). Standard alphabet
//              is tried first, then URL. Anything else is left as it is; Auto never fails.
//              Caveat, as with ESO: short words such as "test" or "abcd" ARE valid base64 and
//              get decoded; set None (or Base64) explicitly when you know the encoding.
import type { DecodingStrategy } from '../api/types.js';
import { ES_REASON } from '../api/types.js';
import { SyncError, quote } from './errors.js';

export interface DecodeContext {
  /** Spec path of the decodingStrategy field, e.g. `spec.data[0].remoteRef.decodingStrategy`. */
  field: string;
  /** Remote key name, for messages. */
  key: string;
}

const STANDARD = /^[A-Za-z0-9+/]*$/;
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

type Alphabet = 'base64' | 'base64url';

export function decode(bytes: Buffer, strategy: DecodingStrategy | undefined = 'None', ctx?: DecodeContext): Buffer {
  switch (strategy) {
    case 'None':
      return bytes;
    case 'Base64':
    case 'Base64URL': {
      const alphabet: Alphabet = strategy === 'Base64' ? 'base64' : 'base64url';
      const decoded = decodeLenient(bytes.toString('latin1'), alphabet);
      if (decoded === undefined) {
        const field = ctx?.field ?? 'decodingStrategy';
        const where = ctx ? `the value of remote key ${quote(ctx.key)}` : 'the value';
        throw new SyncError(
          ES_REASON.SecretSyncedError,
          `${where} is not valid ${strategy === 'Base64' ? 'base64' : 'base64url'}, so ${field}: ${strategy} cannot be applied; use None, or Auto to decode only values that are base64`,
          { field },
        );
      }
      return decoded;
    }
    case 'Auto': {
      const text = bytes.toString('latin1');
      return decodeStrict(text, 'base64') ?? decodeStrict(text, 'base64url') ?? bytes;
    }
    default:
      throw new SyncError(ES_REASON.InvalidSpec, `${ctx?.field ?? 'decodingStrategy'}: unknown decoding strategy ${quote(String(strategy))}; use None, Base64, Base64URL or Auto`, {
        field: ctx?.field,
      });
  }
}

/** Base64 / Base64URL strategy: padding optional, CR/LF ignored, nothing else tolerated. */
export function decodeLenient(text: string, alphabet: Alphabet): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  const body = compact.replace(/={1,2}$/, '');
  const padded = body.length !== compact.length;
  if (!(alphabet === 'base64' ? STANDARD : URL_SAFE).test(body)) return undefined;
  if (body.length % 4 === 1) return undefined;
  if (padded && compact.length % 4 !== 0) return undefined;
  return Buffer.from(body, alphabet);
}

/** Auto strategy: padded, canonical, non-empty; see the header comment. */
export function decodeStrict(text: string, alphabet: Alphabet): Buffer | undefined {
  const compact = text.replace(/[\r\n]/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0) return undefined;
  const body = compact.replace(/={1,2}$/, '');
  if (!(alphabet === 'base64' ? STANDARD : URL_SAFE).test(body)) return undefined;
  const decoded = Buffer.from(body, alphabet);
  const reencoded = alphabet === 'base64' ? decoded.toString('base64') : padBase64Url(decoded.toString('base64url'));
  return reencoded === compact ? decoded : undefined;
}

function padBase64Url(unpadded: string): string {
  return unpadded + '='.repeat((4 - (unpadded.length % 4)) % 4);
}
