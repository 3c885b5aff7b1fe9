import { Route, Routes } from 'react-router';
import { CatalogList } from './catalog-list';
import { CatalogPage } from './catalog-page';
import './catalogs.css';

// Catalogs: the list (search, New catalog) and one catalog's tabs (overview, resources, access
// packages, roles). Routes are relative to /admin/catalogs.
export function CatalogsArea() {
  return (
    <Routes>
      <Route index element={<CatalogList />} />
      <Route path=":id/*" element={<CatalogPage />} />
    </Routes>
  );
}
