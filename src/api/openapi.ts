import { readFileSync } from 'node:fs';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { JSON_VALUE_ID } from '../shared/json-value.js';

// The package's own version, so a generated client names the API it was made
// from. package.json sits two levels up from both src/api/ and dist/api/.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

type Components = { schemas?: Record<string, unknown> } & Record<string, unknown>;

/**
 * The document without component schemas nothing refers to. zod's registry
 * gives each named schema an input and an output form (`ProblemInput` next to
 * `Problem`), used or not; generators would make a type of each.
 */
function withoutUnusedSchemas<Document extends { components?: Components }>(document: Document): Document {
  const schemas = document.components?.schemas ?? {};
  const refsIn = (value: unknown) => [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((match) => match[1]!);
  // Reachable from the paths and the other components, then from each schema reached.
  const reached = new Set(refsIn({ ...document, components: { ...document.components, schemas: {} } }));
  for (const name of reached) for (const ref of refsIn(schemas[name] ?? {})) reached.add(ref);
  const used = Object.fromEntries(Object.entries(schemas).filter(([name]) => reached.has(name)));
  return { ...document, components: { ...document.components, schemas: used } };
}

/**
 * "Any JSON value" as the empty schema, which every JSON value matches, instead
 * of the recursive union zod makes of it: generators such as openapi-typescript
 * cannot type a union that refers to itself (its issue #1603: the generated
 * client does not compile), and `{}` says the same thing to a validator.
 */
function withPlainJsonValue<Document extends { components?: Components }>(document: Document): Document {
  const schemas = { ...document.components?.schemas };
  for (const name of [JSON_VALUE_ID, `${JSON_VALUE_ID}Input`]) {
    if (name in schemas) schemas[name] = { description: 'Any JSON value.' };
  }
  return { ...document, components: { ...document.components, schemas } };
}

/**
 * OpenAPI 3.1 built from the route schemas, the same zod schemas that validate
 * requests (so the document cannot drift from what the API accepts), served at
 * /openapi.json, with Swagger UI at /docs. Register it before the routes: it
 * collects them as they are added. Kept clean under Redocly's recommended rules
 * (test/ops/openapi-lint.test.ts): each operation has a stable operationId, the
 * names generated clients give their methods.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'job-intake',
        version,
        description:
          'Submit long-running jobs once per Idempotency-Key, then read their receipts. ' +
          'Every error is application/problem+json (RFC 9457); /problems/{slug} documents each type.',
      },
      // Relative: the API that serves this document (OpenAPI 3.1 §4.8.5: resolved against where the document is).
      servers: [{ url: '/', description: 'the API serving this document' }],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A token from API_KEYS; it decides the tenant. Not needed when API_KEYS is unset.' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (document) => {
      const full = jsonSchemaTransformObject(document);
      return withPlainJsonValue(withoutUnusedSchemas(full as { components?: Components })) as typeof full;
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
