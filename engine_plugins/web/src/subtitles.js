// How the subtitle line is written from a take's words. English words are separated by spaces; Chinese and
// Japanese are written without them (a space inside 欢迎来到直播间 reads as a pause), so two words join without a
// space when either side of the join is a CJK character. Mixed lines keep the space between two Latin words.

// Han ideographs (with extensions A and the compatibility block), kana, CJK punctuation and full-width forms.
const CJK = /[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]|[\u{20000}-\u{3134f}]/u;

/** The text between two words: '' when either touches a CJK character, else one space. */
export function gapBetween(before, after) {
  if (!before || !after) return '';
  // By code point, not UTF-16 unit: a Han character past U+FFFF is two units.
  return CJK.test([...before].at(-1)) || CJK.test(String.fromCodePoint(after.codePointAt(0))) ? '' : ' ';
}

/** Each word with the gap that follows it (none after the last), ready to put in the subtitle's spans. */
export function subtitlePieces(words) {
  return words.map((word, i) => word + gapBetween(word, words[i + 1]));
}

/** 'zh' when the text holds Han characters (so the browser picks Chinese glyphs and line breaking), else ''. */
export function languageOf(text) {
  return /\p{Script=Han}/u.test(text) ? 'zh' : '';
}
