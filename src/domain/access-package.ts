// Access packages: pure rules about visibility, deletion and incompatibility links.

export const PACKAGE_DISPLAY_NAME_MAX = 256;
export const PACKAGE_DESCRIPTION_MAX = 2048;

/** An assignment in any state but 'expired' still gives (or is about to give) access, so it blocks deletion. */
export function assignmentBlocksDeletion(state: string): boolean {
  return state !== 'expired';
}

export interface VisibilityFacts {
  isHidden: boolean;
  catalogState: string;
  catalogIsExternallyVisible: boolean;
}

/**
 * Whether a signed-in person without a catalog role may see a package. The catalog must be published,
 * and for a guest also enabled for external users. A hidden package is left out of lists but still
 * opens through its direct link (`direct`), as My Access does. (Policy matching narrows this later.)
 */
export function visibleToRequestor(facts: VisibilityFacts, userType: string, direct: boolean): boolean {
  if (facts.catalogState !== 'published') return false;
  if (userType.toLowerCase() === 'guest' && !facts.catalogIsExternallyVisible) return false;
  return direct || !facts.isHidden;
}

/**
 * The id at the end of an OData reference such as
 * `https://graph.microsoft.com/v1.0/identityGovernance/entitlementManagement/accessPackages/{id}`:
 * any base URL is accepted, as are relative references and the key syntax `accessPackages('{id}')`.
 * Returns undefined when the reference does not point into `collection`.
 */
export function idFromODataRef(ref: string, collection: string): string | undefined {
  const path = ref.trim().replace(/[?#].*$/, '').replace(/\/+$/, '');
  const segments = path.split('/');
  const last = segments[segments.length - 1] ?? '';
  const keyed = /^([A-Za-z]+)\('([^']+)'\)$/.exec(last) ?? /^([A-Za-z]+)\(([^)']+)\)$/.exec(last);
  if (keyed) return keyed[1] === collection ? decodeURIComponent(keyed[2]) : undefined;
  if (segments.length < 2 || segments[segments.length - 2] !== collection || last === '') return undefined;
  return decodeURIComponent(last);
}

/** Why a package cannot be marked incompatible with another one, or undefined when it can. */
export function incompatibilityProblem(packageId: string, otherId: string): string | undefined {
  if (packageId.toLowerCase() === otherId.toLowerCase()) return 'An access package cannot be incompatible with itself.';
  return undefined;
}
