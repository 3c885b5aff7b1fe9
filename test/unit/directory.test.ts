import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  checkMailNickname,
  checkManagerAssignment,
  checkUserPrincipalName,
  deriveMailNickname,
  isSelfReference,
  parseDirectoryRef,
} from '../../src/domain/directory.js';
import { ValidationError } from '../../src/domain/errors.js';

const ID = '4562bcc8-c436-4f95-b7c0-4f8ce89dca5e';

describe('directory rules', () => {
  it('reads directory object references from any base URL', () => {
    assert.deepEqual(parseDirectoryRef(`https://graph.microsoft.com/v1.0/directoryObjects/${ID}`), { kind: 'directoryObjects', id: ID });
    assert.deepEqual(parseDirectoryRef(`http://localhost:3000/v1.0/users/${ID.toUpperCase()}`), { kind: 'users', id: ID });
    assert.deepEqual(parseDirectoryRef(`https://example.org/groups/${ID}/`), { kind: 'groups', id: ID });
    assert.deepEqual(parseDirectoryRef(`https://graph.microsoft.com/v1.0/directoryObjects('${ID}')`), { kind: 'directoryObjects', id: ID });
    for (const bad of ['', ID, `https://graph.microsoft.com/v1.0/users/alice@contoso.com`, `https://x/catalogs/${ID}`, `https://x/users/${ID}/manager`]) {
      assert.throws(() => parseDirectoryRef(bad), (e: unknown) => e instanceof ValidationError && e.target === '@odata.id', bad);
    }
  });

  it('refuses self-management and manager cycles', () => {
    const [a, b, c] = ['a', 'b', 'c'];
    assert.doesNotThrow(() => checkManagerAssignment(a, b, []));
    assert.doesNotThrow(() => checkManagerAssignment(a, b, [c]));
    assert.throws(() => checkManagerAssignment(a, a, []), /own manager/);
    assert.throws(() => checkManagerAssignment(a, b, [c, a]), /cycle/);
    assert.throws(() => checkManagerAssignment('A', b, ['a']), /cycle/);
  });

  it('checks sign-in names and nicknames, and derives nicknames', () => {
    assert.equal(checkUserPrincipalName(' alice@contoso.com '), 'alice@contoso.com');
    assert.throws(() => checkUserPrincipalName('alice'), /name@domain/);
    assert.throws(() => checkUserPrincipalName('a b@contoso.com'), /name@domain/);
    assert.equal(checkMailNickname('sales.team-1'), 'sales.team-1');
    for (const bad of ['a b', 'a@b', 'x;y', 'ünï', '']) assert.throws(() => checkMailNickname(bad), /mailNickname/, bad);
    assert.equal(deriveMailNickname('Sales Team (EMEA)', 'fallback'), 'SalesTeamEMEA');
    assert.equal(deriveMailNickname('Équipe', 'fallback'), 'Equipe');
    assert.equal(deriveMailNickname('日本', 'fallback'), 'fallback');
    assert.equal(deriveMailNickname('x'.repeat(100), 'f').length, 64);
  });

  it('recognises the caller by id or sign-in name, ignoring case', () => {
    const me = { userId: ID, userPrincipalName: 'Alice@Contoso.com' };
    assert.equal(isSelfReference(ID.toUpperCase(), me), true);
    assert.equal(isSelfReference('alice@contoso.COM', me), true);
    assert.equal(isSelfReference('bob@contoso.com', me), false);
  });
});
