import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRule, matchesRule, MembershipRuleError, parseMembershipRule, type RuleSubject } from '../../src/domain/membership-rule.js';

const sales: RuleSubject = { department: 'Sales', jobTitle: 'Account Executive', userType: 'Member', accountEnabled: true, mail: 'ann@contoso.test', costCenter: null };
const intern: RuleSubject = { department: 'Sales', jobTitle: 'Intern', userType: 'Member', accountEnabled: true, mail: 'ivan@fabrikam.test' };
const marketing: RuleSubject = { department: 'Marketing', jobTitle: 'Designer', userType: 'Guest', accountEnabled: false };

function errorOf(rule: string): MembershipRuleError {
  try {
    parseMembershipRule(rule);
  } catch (e) {
    assert.ok(e instanceof MembershipRuleError, String(e));
    return e;
  }
  assert.fail(`expected '${rule}' to be refused`);
}

describe('membership rules (attributeRuleMembers.membershipRule)', () => {
  it('compares with -eq and -ne, case-insensitively in operators, properties and values', () => {
    assert.equal(matchesRule('user.department -eq "Sales"', sales), true);
    assert.equal(matchesRule('(user.department -eq "Sales")', sales), true, "the reference's example, in parentheses");
    assert.equal(matchesRule('USER.Department -EQ "sales"', sales), true);
    assert.equal(matchesRule('user.department -eq "Sales"', marketing), false);
    assert.equal(matchesRule('user.department -ne "Sales"', marketing), true);
    assert.equal(matchesRule('user.department -ne "Sales"', sales), false);
  });

  it('-startsWith, -contains, -in and their negations', () => {
    assert.equal(matchesRule('user.jobTitle -startsWith "account"', sales), true);
    assert.equal(matchesRule('user.jobTitle -notStartsWith "account"', sales), false);
    assert.equal(matchesRule('user.mail -contains "@contoso."', sales), true);
    assert.equal(matchesRule('user.mail -notContains "@contoso."', intern), true);
    assert.equal(matchesRule('user.department -in ["Marketing", "Sales"]', sales), true);
    assert.equal(matchesRule('user.department -in ["Marketing", "Support"]', sales), false);
    assert.equal(matchesRule('user.department -notIn ["Marketing"]', sales), true);
    assert.equal(matchesRule('user.department -in []', sales), false);
    assert.equal(matchesRule('user.department -startsWith "S"', {}), false, 'a missing value starts with nothing');
  });

  it('-match and -notMatch run a linear-time regular expression, unanchored and case-insensitive', () => {
    assert.equal(matchesRule('user.mail -match "@contoso\\.test$"', sales), true);
    assert.equal(matchesRule('user.mail -match "^IVAN@"', intern), true);
    assert.equal(matchesRule('user.mail -notMatch "fabrikam"', intern), false);
    assert.equal(matchesRule('user.mail -match "x"', {}), false);
    // a pattern that makes a backtracking engine take exponential time answers at once
    const evil = 'a'.repeat(40) + '!';
    assert.equal(matchesRule('user.displayName -match "^(a+)+$"', { displayName: evil }), false);
  });

  it('-and, -or and -not with the usual precedence, and parentheses', () => {
    const rule = 'user.department -eq "Sales" -and -not (user.jobTitle -eq "Intern")';
    assert.equal(matchesRule(rule, sales), true);
    assert.equal(matchesRule(rule, intern), false);
    // -and binds tighter than -or: Marketing matches through the second branch alone
    const mixed = 'user.department -eq "Sales" -and user.jobTitle -eq "Intern" -or user.department -eq "Marketing"';
    assert.equal(matchesRule(mixed, marketing), true);
    assert.equal(matchesRule(mixed, sales), false);
    assert.equal(matchesRule(mixed, intern), true);
    const grouped = 'user.department -eq "Sales" -and (user.jobTitle -eq "Intern" -or user.department -eq "Marketing")';
    assert.equal(matchesRule(grouped, marketing), false);
    assert.equal(matchesRule('-not user.department -eq "Sales" -or user.userType -eq "Guest"', marketing), true);
  });

  it('booleans, null, and the enterprise attributes', () => {
    assert.equal(matchesRule('user.accountEnabled -eq true', sales), true);
    assert.equal(matchesRule('user.accountEnabled -eq false', marketing), true);
    assert.equal(matchesRule('user.costCenter -eq null', sales), true);
    assert.equal(matchesRule('user.costCenter -ne null', { costCenter: 'CC-12' }), true);
    assert.equal(matchesRule('user.division -eq "EMEA"', { division: 'emea' }), true);
  });

  it('quotes inside strings are escaped with a backtick (or a backslash)', () => {
    assert.equal(matchesRule('user.jobTitle -eq "The `"Boss`""', { jobTitle: 'The "Boss"' }), true);
    assert.equal(matchesRule('user.jobTitle -eq "The \\"Boss\\""', { jobTitle: 'The "Boss"' }), true);
  });

  it('the parsed tree is reusable', () => {
    const tree = parseMembershipRule('user.department -eq "Sales"');
    assert.equal(evaluateRule(tree, sales), true);
    assert.equal(evaluateRule(tree, marketing), false);
  });

  it('refuses bad rules with the 1-based position of the error', () => {
    const cases: [string, number, RegExp][] = [
      ['', 1, /empty/],
      ['user.department -eq', 20, /Expected a value/],
      ['user.department -equals "Sales"', 17, /comparison operator/],
      ['user.departmnt -eq "Sales"', 1, /Unknown property 'user\.departmnt'/],
      ['department -eq "Sales"', 1, /user property/],
      ['user.department -eq "Sales', 21, /Unterminated string/],
      ['(user.department -eq "Sales"', 29, /Expected '\)'/],
      ['user.department -eq "Sales")', 28, /-and, -or or the end/],
      ['user.department -eq "Sales" user.jobTitle -eq "x"', 29, /-and, -or or the end/],
      ['user.department -eq "Sales" -and', 33, /user property/],
      ['user.accountEnabled -eq "yes"', 25, /true or false/],
      ['user.department -eq true', 21, /in quotes/],
      ['user.department -in "Sales"', 21, /takes a list/],
      ['user.department -in ["a" "b"]', 26, /Expected ',' or '\]'/],
      ['user.mail -match "(?=x)"', 18, /Invalid regular expression/],
      ['user.department -eq "a" & x', 25, /Unexpected character '&'/],
      ['user.department - eq "a"', 17, /operator after '-'/],
    ];
    for (const [rule, position, message] of cases) {
      const e = errorOf(rule);
      assert.equal(e.position, position, `${rule}: ${e.message}`);
      assert.match(e.message, message, rule);
      assert.match(e.message, new RegExp(`at position ${position}\\)$`), rule);
    }
    assert.equal(errorOf('x'.repeat(4000)).position, 3073, 'too long');
  });
});
