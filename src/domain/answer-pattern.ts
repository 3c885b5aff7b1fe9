// A text question's regexPattern, run by a linear-time engine (RE2, pure JavaScript) on the server and in
// the browser alike. JavaScript's own RegExp backtracks: one pattern such as ((a+)+)+b and a few dozen
// characters of answer would hold the event loop for minutes. RE2 matches in time linear in the answer, and
// refuses what it cannot run that way (back-references, look-around), so such patterns are refused when a
// policy is saved. No imports but re2js: the web app bundles this module.

import { RE2JS } from 're2js';

/** Why a pattern cannot be used, or null when the engine runs it. */
export function answerPatternError(pattern: string): string | null {
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (e) {
    // RE2's messages name the construct ("invalid or unsupported Perl syntax: `(?=`")
    return (e as Error).message.replace(/^error parsing regexp: /, '');
  }
}

const compiled = new Map<string, RE2JS | null>();

function compile(pattern: string): RE2JS | null {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch {
      re = null;
    }
    // a small cache: patterns come from policies, bounded in number and length
    if (compiled.size >= 500) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/**
 * Whether an answer has the format a question's pattern asks for: the whole answer must match, as a form
 * field's pattern does (anchors inside the pattern are allowed and change nothing). 'unsupported' for a
 * pattern the engine cannot run (one stored before patterns were checked this way): it is never run by a
 * backtracking engine instead.
 */
export function matchAnswerPattern(pattern: string, answer: string): 'match' | 'mismatch' | 'unsupported' {
  const re = compile(pattern);
  if (!re) return 'unsupported';
  return re.matches(answer) ? 'match' : 'mismatch';
}
