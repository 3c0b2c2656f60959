// The subtitle line from a take's words: Chinese words join without spaces, English ones with, mixed lines keep a
// space only between two Latin words; the box is marked Chinese when it holds Han characters.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { gapBetween, languageOf, subtitlePieces } from '../src/subtitles.js';

test('Chinese words join without spaces', () => {
  assert.equal(subtitlePieces(['欢迎', '来到', '直播间']).join(''), '欢迎来到直播间');
  assert.equal(subtitlePieces(['這個', '產品', '只要', '９９', '元']).join(''), '這個產品只要９９元');
});

test('English words keep their spaces, with none after the last', () => {
  assert.deepEqual(subtitlePieces(['Hello', 'everyone']), ['Hello ', 'everyone']);
  assert.deepEqual(subtitlePieces([]), []);
});

test('mixed lines: a space only between two Latin words', () => {
  assert.equal(subtitlePieces(['这款', 'iPhone15', '手机', 'Hello', 'world']).join(''), '这款iPhone15手机Hello world');
  assert.equal(gapBetween('99', '元'), '');
  assert.equal(gapBetween('𠀀', 'a'), ''); // a Han character outside the Basic Multilingual Plane
  assert.equal(gapBetween('fine', '3.5'), ' ');
});

test('a line with Han characters is marked Chinese', () => {
  assert.equal(languageOf('欢迎来到直播间'), 'zh');
  assert.equal(languageOf('这款iPhone'), 'zh');
  assert.equal(languageOf('Hello world'), '');
});
