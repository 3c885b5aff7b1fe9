// The SCIM 2.0 schema URNs and the discovery documents (RFC 7643 §5-7, RFC 7644 §4): what Latchkey's
// /scim/v2 supports, as an identity provider reads it before provisioning.

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SERVICE_PROVIDER_CONFIG = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/** the most resources one list page returns (ServiceProviderConfig filter.maxResults) */
export const MAX_RESULTS = 200;

export function serviceProviderConfig(base: string) {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG],
    documentationUri: `${base}/docs`,
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{
      type: 'oauthbearertoken', name: 'Provisioning token', primary: true,
      description: 'A bearer token from `latchkey token create --scim --name <label>`; accepted only under /scim/v2.',
    }],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string) {
  return [
    {
      schemas: [RESOURCE_TYPE], id: 'User', name: 'User', endpoint: '/Users', description: 'A person',
      schema: CORE_USER, schemaExtensions: [{ schema: ENTERPRISE_USER, required: false }],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
    },
    {
      schemas: [RESOURCE_TYPE], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'A group of people and groups',
      schema: CORE_GROUP, schemaExtensions: [],
      meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` },
    },
  ];
}

interface Attr {
  name: string;
  type: 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime';
  multiValued?: boolean;
  required?: boolean;
  caseExact?: boolean;
  mutability?: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  uniqueness?: 'none' | 'server' | 'global';
  subAttributes?: Attr[];
  referenceTypes?: string[];
  description?: string;
}

const attr = (a: Attr): Record<string, unknown> => ({
  name: a.name, type: a.type, multiValued: a.multiValued ?? false, description: a.description ?? '', required: a.required ?? false,
  caseExact: a.caseExact ?? false, mutability: a.mutability ?? 'readWrite', returned: 'default', uniqueness: a.uniqueness ?? 'none',
  ...(a.subAttributes ? { subAttributes: a.subAttributes.map(attr) } : {}),
  ...(a.referenceTypes ? { referenceTypes: a.referenceTypes } : {}),
});

const str = (name: string, more: Partial<Attr> = {}): Attr => ({ name, type: 'string', ...more });

function schemaDoc(base: string, id: string, name: string, description: string, attributes: Attr[]) {
  return { schemas: [SCHEMA], id, name, description, attributes: attributes.map(attr), meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` } };
}

export function schemaDocuments(base: string) {
  return [
    schemaDoc(base, CORE_USER, 'User', 'User Account', [
      str('userName', { required: true, uniqueness: 'server', description: "Latchkey's userPrincipalName" }),
      str('externalId', { caseExact: true }),
      str('displayName'),
      { name: 'name', type: 'complex', subAttributes: [str('formatted'), str('givenName'), str('familyName')] },
      str('title'),
      { name: 'active', type: 'boolean' },
      { name: 'emails', type: 'complex', multiValued: true, subAttributes: [str('value'), str('type'), { name: 'primary', type: 'boolean' }] },
    ]),
    schemaDoc(base, ENTERPRISE_USER, 'EnterpriseUser', 'Enterprise User', [
      str('employeeNumber'), str('costCenter'), str('organization'), str('division'), str('department'),
      { name: 'manager', type: 'complex', subAttributes: [str('value'), { name: '$ref', type: 'reference', referenceTypes: ['User'] }, str('displayName', { mutability: 'readOnly' })] },
    ]),
    schemaDoc(base, CORE_GROUP, 'Group', 'Group', [
      str('displayName', { required: true }),
      str('externalId', { caseExact: true }),
      {
        name: 'members', type: 'complex', multiValued: true,
        subAttributes: [str('value', { mutability: 'immutable' }), { name: '$ref', type: 'reference', referenceTypes: ['User', 'Group'] }, str('type', { mutability: 'immutable' }), str('display', { mutability: 'readOnly' })],
      },
    ]),
  ];
}
