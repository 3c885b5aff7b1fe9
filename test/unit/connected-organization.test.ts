import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  emailDomain,
  identitySourceKey,
  isDnsDomain,
  organizationForEmail,
  validateIdentitySources,
  type IdentitySource,
} from '../../src/domain/connected-organization.js';
import { ValidationError } from '../../src/domain/errors.js';

const domainSource = (domainName: string): IdentitySource => ({ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName, displayName: domainName });

function rejects(raw: unknown, target: string, message?: RegExp) {
  assert.throws(() => validateIdentitySources(raw), (e: unknown) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.target, target);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('connected organization rules', () => {
  it('recognises DNS domain names', () => {
    for (const ok of ['contoso.com', 'Sales.Contoso.co.uk', 'xn--bcher-kva.example', 'a-b.io', 'contoso.com.']) assert.ok(isDnsDomain(ok), ok);
    for (const bad of ['contoso', '-contoso.com', 'contoso-.com', 'con toso.com', 'contoso..com', '10.0.0.1', 'user@contoso.com', '', `${'a'.repeat(64)}.com`]) {
      assert.ok(!isDnsDomain(bad), bad);
    }
  });

  it('validates every identity source type and canonicalizes', () => {
    const tenantId = '72F988BF-86F1-41AF-91AB-2D7CD011DB47';
    const out = validateIdentitySources([
      { '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: 'contoso.com', displayName: 'Contoso' },
      { '@odata.type': 'microsoft.graph.externalDomainFederation', domainName: 'fabrikam.com', issuerUri: 'https://sts.fabrikam.com/adfs/services/trust', displayName: 'Fabrikam' },
      { '@odata.type': '#microsoft.graph.azureActiveDirectoryTenant', tenantId, displayName: 'Woodgrove' },
      { '@odata.type': '#microsoft.graph.crossCloudAzureActiveDirectoryTenant', cloudInstance: 'microsoftonline.us', tenantId: '11111111-2222-3333-4444-555555555555', displayName: 'Gov' },
      { '@odata.type': '#microsoft.graph.socialIdentitySource', socialIdentitySourceType: 'Facebook', displayName: 'Facebook' },
    ]);
    assert.deepEqual(out.map((s) => s['@odata.type']), [
      '#microsoft.graph.domainIdentitySource', '#microsoft.graph.externalDomainFederation', '#microsoft.graph.azureActiveDirectoryTenant',
      '#microsoft.graph.crossCloudAzureActiveDirectoryTenant', '#microsoft.graph.socialIdentitySource',
    ]);
    assert.equal((out[2] as { tenantId: string }).tenantId, tenantId.toLowerCase());
    assert.equal((out[4] as { socialIdentitySourceType: string }).socialIdentitySourceType, 'facebook');
    assert.deepEqual(out.map(identitySourceKey), ['domain:contoso.com', 'domain:fabrikam.com', `tenant:${tenantId.toLowerCase()}`, 'tenant:11111111-2222-3333-4444-555555555555', undefined]);
  });

  it('names the offending element and property', () => {
    rejects({}, 'identitySources');
    rejects([{ domainName: 'contoso.com' }], 'identitySources[0].@odata.type', /required/);
    rejects([domainSource('a.com'), { '@odata.type': '#microsoft.graph.samlIdentitySource' }], 'identitySources[1].@odata.type', /samlIdentitySource/);
    rejects([{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: 'not a domain' }], 'identitySources[0].domainName', /DNS domain/);
    rejects([{ '@odata.type': '#microsoft.graph.domainIdentitySource' }], 'identitySources[0].domainName', /required/);
    rejects([{ '@odata.type': '#microsoft.graph.domainIdentitySource', domainName: 'a.com', tenantId: 'x' }], 'identitySources[0].tenantId', /not a property/);
    rejects([{ '@odata.type': '#microsoft.graph.azureActiveDirectoryTenant', tenantId: 'contoso' }], 'identitySources[0].tenantId', /GUID/);
    rejects([{ '@odata.type': '#microsoft.graph.externalDomainFederation', domainName: 'a.com', issuerUri: 'no scheme' }], 'identitySources[0].issuerUri');
    rejects([{ '@odata.type': '#microsoft.graph.socialIdentitySource', socialIdentitySourceType: 'myspace' }], 'identitySources[0].socialIdentitySourceType');
    rejects([domainSource('Contoso.com'), domainSource('contoso.COM')], 'identitySources[1]', /repeats domain 'contoso.com'/);
    rejects(['contoso.com'], 'identitySources[0]');
  });

  it('maps an email address to the organization of its domain, case-insensitively and exactly', () => {
    const orgs = [
      { id: 'a', identitySources: [domainSource('contoso.com')] },
      { id: 'b', identitySources: [{ '@odata.type': '#microsoft.graph.azureActiveDirectoryTenant', tenantId: '1', displayName: null } as IdentitySource, domainSource('Fabrikam.COM')] },
    ];
    assert.equal(organizationForEmail(orgs, 'alice@contoso.com')?.id, 'a');
    assert.equal(organizationForEmail(orgs, 'Bob@FABRIKAM.com')?.id, 'b');
    assert.equal(organizationForEmail(orgs, 'carol@sales.contoso.com'), undefined, 'subdomains are not their parent');
    assert.equal(organizationForEmail(orgs, 'dave@woodgrove.com'), undefined);
    assert.equal(organizationForEmail(orgs, 'not-an-address'), undefined);
    assert.equal(organizationForEmail(orgs, 'x@'), undefined);
    assert.equal(emailDomain('"odd@name"@Contoso.com'), 'contoso.com');
  });
});
