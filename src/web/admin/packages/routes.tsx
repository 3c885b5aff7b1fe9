import { Route, Routes } from 'react-router';
import { PackageList } from './package-list';
import { PackagePage } from './package-page';
import './packages.css';

// Access packages of the admin portal: the list (search, catalog filter, create) and one page per
// package with a tab per address (overview, resource roles, policies, assignments, requests).
export function PackagesArea() {
  return (
    <Routes>
      <Route index element={<PackageList />} />
      <Route path=":packageId/*" element={<PackagePage />} />
    </Routes>
  );
}
