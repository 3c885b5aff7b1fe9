import { createContext, useContext } from 'react';
import type { AccessPackage } from './types';

/** The open access package and what the signed-in person may do with it, shared by its tabs. */
export interface PackageContextValue {
  pkg: AccessPackage;
  catalogId: string;
  reload(): void;
  canWrite: boolean;
  canReadAssignments: boolean;
  canWriteAssignments: boolean;
}

export const PackageContext = createContext<PackageContextValue | null>(null);

export function usePackage(): PackageContextValue {
  const v = useContext(PackageContext);
  if (!v) throw new Error('usePackage outside a package page');
  return v;
}

export const NO_PACKAGE_WRITE = 'You need to be a catalog owner or access package manager of this catalog.';
export const NO_ASSIGNMENT_WRITE = 'You need to be a catalog owner, access package manager or assignment manager of this catalog.';
