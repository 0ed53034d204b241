// A JavaScript sha256: this module runs in the server and in any client alike, and the
// server does not load node:crypto (README: Performance).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

/** Chevereto's id alphabet before the per-instance shuffle (docs/api.md §5). */
export const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export interface IdCodec {
  encode(id: number): string;
  /** The numeric id, or null when the text is not an id of this instance. */
  decode(text: string): number | null;
}

/** The alphabet shuffled by the salt: pair sha256(salt) hex with the alphabet, sort, read off. */
export function shuffledAlphabet(salt: string): string {
  const hash = bytesToHex(sha256(utf8ToBytes(salt)));
  const pairs = [...ID_ALPHABET].map((char, k) => ({ key: hash[k] ?? '', char }));
  pairs.sort((a, b) => {
    if (a.key !== b.key) return a.key < b.key ? 1 : -1;
    return a.char < b.char ? -1 : a.char > b.char ? 1 : 0;
  });
  return pairs.map((p) => p.char).join('');
}

export function createIdCodec(salt: string, padding: number): IdCodec {
  const alphabet = shuffledAlphabet(salt);
  const base = BigInt(alphabet.length);
  const pad = BigInt(padding > 0 ? padding : 1);
  return {
    encode(id) {
      let m = BigInt(id) * pad;
      if (m === 0n) return alphabet[0] ?? '';
      let out = '';
      while (m > 0n) {
        out = alphabet[Number(m % base)] + out;
        m /= base;
      }
      return out;
    },
    decode(text) {
      if (!/^[A-Za-z0-9]{1,16}$/.test(text)) return null;
      let sum = 0n;
      for (const char of text) sum = sum * base + BigInt(alphabet.indexOf(char));
      if (sum % pad !== 0n) return null;
      const id = sum / pad;
      return id > 0n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : null;
    },
  };
}
