/**
 * Text as the detectors read it: decimal digits of every script in the Basic Multilingual Plane
 * (`٥٣٦`, `５３６`) become ASCII digits, and the full-width forms of ASCII (U+FF01–FF5E:
 * `ｊｏｅ＠ｅｘａｍｐｌｅ．ｃｏｍ`, `－`) become ASCII — one UTF-16 unit for one, so a match's offsets
 * hold in the original text. Otherwise an SSN typed in full-width digits would pass unseen.
 */
export function foldForDetection(text: string): string {
  if (!NON_ASCII.test(text)) return text;
  return text.replace(FOLDABLE, (c) => String.fromCharCode(ASCII_OF[c.charCodeAt(0)]!));
}

const NON_ASCII = /[^ -~\t\n\r]/;

/** The ASCII code each foldable BMP character reads as (0: not folded). */
const ASCII_OF = new Uint8Array(0x10000);
const ranges: Array<[number, number]> = [];
{
  const addRange = (code: number) => {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === code - 1) last[1] = code;
    else ranges.push([code, code]);
  };
  const DECIMAL = /\p{Nd}/u;
  // Unicode decimal digits come in contiguous runs of 0–9: a digit's value is its place in its run.
  let place = 0;
  for (let code = 0x80; code <= 0xffff; code++) {
    if (code >= 0xd800 && code <= 0xdfff) continue; // surrogates: never a character alone
    if (DECIMAL.test(String.fromCharCode(code))) {
      place = ASCII_OF[code - 1] !== 0 && code > 0x80 ? place + 1 : 0;
      ASCII_OF[code] = 0x30 + (place % 10);
      addRange(code);
    }
  }
  for (let code = 0xff01; code <= 0xff5e; code++) {
    ASCII_OF[code] = code - 0xfee0;
    if (!ranges.some(([from, to]) => code >= from && code <= to)) addRange(code);
  }
  ranges.sort((a, b) => a[0] - b[0]);
}
const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
const FOLDABLE = new RegExp(`[${ranges.map(([from, to]) => (from === to ? hex(from) : `${hex(from)}-${hex(to)}`)).join('')}]`, 'g');
