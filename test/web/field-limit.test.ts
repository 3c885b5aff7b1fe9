import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lengthLimitText } from '../../src/web/components/ui';

// What a length-limited Field says under its control: the browser cuts text at maxLength without a word.
describe('web Field length limit', () => {
  it('says that a longer paste was cut, and how much was kept', () => {
    const r = lengthLimitText({ length: 256, max: 256, wanted: 5000 });
    assert.equal(r.cut, true);
    assert.equal(r.text, 'Cut to 256 characters: only the first 256 of the 5,000 entered were kept (at most 256 are allowed).');
  });
  it('counts from 90% of the limit on, and says nothing before', () => {
    assert.deepEqual(lengthLimitText({ length: 100, max: 256, wanted: 100 }), { text: '', cut: false });
    assert.deepEqual(lengthLimitText({ length: 231, max: 256, wanted: 231 }), { text: '231 of 256 characters.', cut: false });
    assert.deepEqual(lengthLimitText(null), { text: '', cut: false });
  });
});
