import { z } from 'zod';

/** Its component's name in the OpenAPI document (and `JsonValueInput`, its input form). */
export const JSON_VALUE_ID = 'JsonValue';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Any JSON value, as z.json() accepts, but registered as the `JsonValue`
 * component. fastify-type-provider-zod (7.0) drops the definitions that zod
 * makes for an anonymous recursive schema such as z.json(), which leaves
 * dangling `$ref`s in the OpenAPI document (its issue #210); a recursive schema
 * with its own id is emitted once and referenced.
 */
export const jsonValueSchema: z.ZodType<JsonValue, JsonValue> = z
  .lazy(() =>
    z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(jsonValueSchema), z.record(z.string(), jsonValueSchema)]),
  )
  .meta({ id: JSON_VALUE_ID, description: 'Any JSON value.' });
