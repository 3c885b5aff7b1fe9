// Connected organizations: external tenants and domains whose users may request access.
// Pure rules: identity source validation, the keys that make a domain or tenant belong to one
// organization only, and the mapping from an external email address to its organization.

import { ValidationError } from './errors.js';
import { isGuid } from './ids.js';

export const CONNECTED_ORGANIZATION_STATES = ['configured', 'proposed'] as const;
export type ConnectedOrganizationState = (typeof CONNECTED_ORGANIZATION_STATES)[number];

export const SPONSOR_KINDS = ['internal', 'external'] as const;
export type SponsorKind = (typeof SPONSOR_KINDS)[number];

export const SOCIAL_IDENTITY_SOURCE_TYPES = ['facebook', 'unknownFutureValue'] as const;

export type IdentitySource =
  | { '@odata.type': '#microsoft.graph.domainIdentitySource'; domainName: string; displayName: string | null }
  | { '@odata.type': '#microsoft.graph.externalDomainFederation'; domainName: string; issuerUri: string; displayName: string | null }
  | { '@odata.type': '#microsoft.graph.azureActiveDirectoryTenant'; tenantId: string; displayName: string | null }
  | { '@odata.type': '#microsoft.graph.crossCloudAzureActiveDirectoryTenant'; cloudInstance: string; tenantId: string; displayName: string | null }
  | { '@odata.type': '#microsoft.graph.socialIdentitySource'; socialIdentitySourceType: string; displayName: string | null };

export type IdentitySourceType = IdentitySource['@odata.type'];

/** Properties each identity source type takes, besides "@odata.type"; true marks the required ones. */
const SOURCE_PROPERTIES: Record<IdentitySourceType, Record<string, boolean>> = {
  '#microsoft.graph.domainIdentitySource': { domainName: true, displayName: false },
  '#microsoft.graph.externalDomainFederation': { domainName: true, issuerUri: true, displayName: false },
  '#microsoft.graph.azureActiveDirectoryTenant': { tenantId: true, displayName: false },
  '#microsoft.graph.crossCloudAzureActiveDirectoryTenant': { cloudInstance: true, tenantId: true, displayName: false },
  '#microsoft.graph.socialIdentitySource': { socialIdentitySourceType: true, displayName: false },
};
export const IDENTITY_SOURCE_TYPES = Object.keys(SOURCE_PROPERTIES) as IdentitySourceType[];

export const MAX_IDENTITY_SOURCES = 50;
const MAX_TEXT = 256;

// RFC 1035 host names: labels of letters, digits and inner hyphens, at least two labels, the last not
// all digits (so an IP address is not taken for a domain); punycode labels (xn--) are fine.
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

export function isDnsDomain(value: string): boolean {
  const name = value.endsWith('.') ? value.slice(0, -1) : value;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return false;
  return !/^\d+$/.test(labels[labels.length - 1]);
}

/** Lower case without a trailing dot: domains compare case-insensitively. */
export function normalizeDomain(domain: string): string {
  const d = domain.trim().toLowerCase();
  return d.endsWith('.') ? d.slice(0, -1) : d;
}

function canonicalType(raw: unknown, field: string): IdentitySourceType {
  if (typeof raw !== 'string' || raw.length === 0) {
    throw new ValidationError(`'${field}' is required on each identity source; use one of: ${IDENTITY_SOURCE_TYPES.join(', ')}.`, field);
  }
  // SDKs sometimes leave out the leading '#'; the type name itself is case-sensitive in OData but harmless to fold
  const wanted = (raw.startsWith('#') ? raw : `#${raw}`).toLowerCase();
  const found = IDENTITY_SOURCE_TYPES.find((t) => t.toLowerCase() === wanted);
  if (!found) throw new ValidationError(`Unknown identity source type '${raw}' in '${field}'; use one of: ${IDENTITY_SOURCE_TYPES.join(', ')}.`, field);
  return found;
}

function text(obj: Record<string, unknown>, key: string, field: string, required: boolean): string | null {
  const v = obj[key];
  if (v === undefined || v === null) {
    if (required) throw new ValidationError(`'${field}' is required.`, field);
    return null;
  }
  if (typeof v !== 'string') throw new ValidationError(`'${field}' must be a string.`, field);
  const s = v.trim();
  if (required && s.length === 0) throw new ValidationError(`'${field}' must not be empty.`, field);
  if (s.length > MAX_TEXT) throw new ValidationError(`'${field}' must be at most ${MAX_TEXT} characters.`, field);
  return s;
}

function validateOne(raw: unknown, index: number): IdentitySource {
  const at = `identitySources[${index}]`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ValidationError(`'${at}' must be an object.`, at);
  const obj = raw as Record<string, unknown>;
  const type = canonicalType(obj['@odata.type'], `${at}.@odata.type`);
  const allowed = SOURCE_PROPERTIES[type];
  for (const key of Object.keys(obj)) {
    if (!key.startsWith('@odata.') && !(key in allowed)) {
      throw new ValidationError(`'${at}.${key}' is not a property of ${type.slice(1)}; it takes: ${Object.keys(allowed).join(', ')}.`, `${at}.${key}`);
    }
  }
  const displayName = text(obj, 'displayName', `${at}.displayName`, false);
  const domain = (): string => {
    const d = text(obj, 'domainName', `${at}.domainName`, true)!;
    if (!isDnsDomain(d)) throw new ValidationError(`'${at}.domainName' must be a DNS domain name such as 'contoso.com', got '${d}'.`, `${at}.domainName`);
    return d;
  };
  const tenant = (): string => {
    const t = text(obj, 'tenantId', `${at}.tenantId`, true)!;
    if (!isGuid(t)) throw new ValidationError(`'${at}.tenantId' must be a tenant id (a GUID), got '${t}'.`, `${at}.tenantId`);
    return t.toLowerCase();
  };
  switch (type) {
    case '#microsoft.graph.domainIdentitySource':
      return { '@odata.type': type, domainName: domain(), displayName };
    case '#microsoft.graph.externalDomainFederation': {
      const domainName = domain();
      const issuerUri = text(obj, 'issuerUri', `${at}.issuerUri`, true)!;
      // WS-Federation and SAML issuers are URIs (URLs or URNs); anything URL.parse accepts has a scheme
      if (!URL.canParse(issuerUri)) throw new ValidationError(`'${at}.issuerUri' must be an absolute URI, got '${issuerUri}'.`, `${at}.issuerUri`);
      return { '@odata.type': type, domainName, issuerUri, displayName };
    }
    case '#microsoft.graph.azureActiveDirectoryTenant':
      return { '@odata.type': type, tenantId: tenant(), displayName };
    case '#microsoft.graph.crossCloudAzureActiveDirectoryTenant': {
      const cloudInstance = text(obj, 'cloudInstance', `${at}.cloudInstance`, true)!;
      return { '@odata.type': type, cloudInstance, tenantId: tenant(), displayName };
    }
    case '#microsoft.graph.socialIdentitySource': {
      const raw = text(obj, 'socialIdentitySourceType', `${at}.socialIdentitySourceType`, true)!;
      const found = SOCIAL_IDENTITY_SOURCE_TYPES.find((v) => v.toLowerCase() === raw.toLowerCase());
      if (!found) {
        throw new ValidationError(`Invalid value '${raw}' for '${at}.socialIdentitySourceType'; expected one of: ${SOCIAL_IDENTITY_SOURCE_TYPES.join(', ')}.`, `${at}.socialIdentitySourceType`);
      }
      return { '@odata.type': type, socialIdentitySourceType: found, displayName };
    }
  }
}

/**
 * The key that makes a source belong to one organization only: its domain for domain-based sources,
 * its tenant for tenant sources, none for social sources (many organizations may accept Facebook users).
 */
export function identitySourceKey(s: IdentitySource): string | undefined {
  switch (s['@odata.type']) {
    case '#microsoft.graph.domainIdentitySource':
    case '#microsoft.graph.externalDomainFederation':
      return `domain:${normalizeDomain(s.domainName)}`;
    case '#microsoft.graph.azureActiveDirectoryTenant':
    case '#microsoft.graph.crossCloudAzureActiveDirectoryTenant':
      return `tenant:${s.tenantId.toLowerCase()}`;
    case '#microsoft.graph.socialIdentitySource':
      return undefined;
  }
}

/** Human wording of a key for error messages: "domain 'contoso.com'" or "tenant '…'". */
export function describeKey(key: string): string {
  const i = key.indexOf(':');
  return `${key.slice(0, i)} '${key.slice(i + 1)}'`;
}

/** Validates a client's identitySources array; a 400 names the offending element and property. */
export function validateIdentitySources(raw: unknown): IdentitySource[] {
  if (!Array.isArray(raw)) throw new ValidationError("'identitySources' must be an array.", 'identitySources');
  if (raw.length > MAX_IDENTITY_SOURCES) throw new ValidationError(`'identitySources' may hold at most ${MAX_IDENTITY_SOURCES} sources.`, 'identitySources');
  const out = raw.map((s, i) => validateOne(s, i));
  const seen = new Set<string>();
  out.forEach((s, i) => {
    const key = identitySourceKey(s);
    if (!key) return;
    if (seen.has(key)) throw new ValidationError(`'identitySources[${i}]' repeats ${describeKey(key)}.`, `identitySources[${i}]`);
    seen.add(key);
  });
  return out;
}

/** The domain part of an email address, normalized, or undefined when the text is not an address. */
export function emailDomain(email: string): string | undefined {
  if (typeof email !== 'string') return undefined;
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return undefined;
  const domain = normalizeDomain(email.slice(at + 1));
  return isDnsDomain(domain) ? domain : undefined;
}

export interface OrganizationSources {
  id: string;
  identitySources: readonly IdentitySource[];
}

/**
 * The organization an external email address belongs to: the one with a domain-based identity source
 * for exactly the address's domain, compared case-insensitively. Subdomains do not match their parent
 * (a source for contoso.com does not admit sales.contoso.com): each domain is configured explicitly.
 * Tenant sources cannot be matched from an address alone and are ignored here. Proposed organizations
 * are returned too; whether they may be used is the caller's policy decision.
 */
export function organizationForEmail<O extends OrganizationSources>(orgs: readonly O[], email: string): O | undefined {
  const domain = emailDomain(email);
  if (!domain) return undefined;
  const key = `domain:${domain}`;
  return orgs.find((o) => o.identitySources.some((s) => identitySourceKey(s) === key));
}
