// Placeholder: catalogs (list, create, edit, delete, resources, roles) are being built.
export function CatalogsArea() {
  return <h1>Catalogs</h1>;
}
