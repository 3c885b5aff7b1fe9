import { Type, type TObject, type TProperties, type TSchema } from '@sinclair/typebox';

// Shared building blocks for route schemas. Request bodies reject unknown properties (so a typo is a
// 400 naming the field) but allow OData annotations such as "@odata.type" that Graph SDKs send.

export function Body<T extends TProperties>(props: T, opts: { readOnly?: string[] } = {}): TObject<T> {
  const readOnly: Record<string, TSchema> = {};
  for (const k of opts.readOnly ?? ['id', 'createdDateTime', 'modifiedDateTime']) readOnly[k] = Type.Optional(Type.Any({ description: 'read-only; ignored' }));
  return Type.Object({ ...readOnly, ...props } as T, { additionalProperties: false, patternProperties: { '^@odata\\.': {} } });
}

export const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

/** Enum-valued strings are validated in code, case-insensitively, like Graph does. */
export const EnumString = (values: readonly string[], description?: string) =>
  Type.String({ description: `${description ? `${description}. ` : ''}One of: ${values.join(', ')} (any casing).`, maxLength: 64 });

export const Text = (max: number, description?: string) => Type.String({ maxLength: max, ...(description ? { description } : {}) });

export const IdParams = Type.Object({ id: Type.String({ maxLength: 200 }) });

/** A reference to another object by id, as Graph bodies carry them: { "id": "…" } */
export const Ref = Type.Object({ id: Type.String({ maxLength: 200 }) }, { additionalProperties: true });

/** Response shape of an entity. Every property is optional because $select may leave any of them out. */
export const GraphObjectSchema = (description: string, props: TProperties = {}) =>
  Type.Partial(Type.Object({ id: Type.String(), ...props }), { additionalProperties: true, description });

export const CollectionOf = (item: TSchema) =>
  Type.Object(
    {
      value: Type.Array(item),
      '@odata.nextLink': Type.Optional(Type.String()),
      '@odata.count': Type.Optional(Type.Integer()),
    },
    { additionalProperties: true },
  );

export const NoContent = Type.Null({ description: 'No content' });
