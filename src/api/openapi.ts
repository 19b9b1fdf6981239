import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/**
 * OpenAPI 3.1 built from the route schemas, the same zod schemas that validate
 * requests (so the document cannot drift from what the API accepts), served at
 * /openapi.json, with Swagger UI at /docs. Register it before the routes: it
 * collects them as they are added.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'job-intake',
        version: '1.0.0',
        description:
          'Submit long-running jobs once per Idempotency-Key, then read their receipts. ' +
          'Every error is application/problem+json (RFC 9457); /problems/{slug} documents each type.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A token from API_KEYS; it decides the tenant. Not needed when API_KEYS is unset.' },
        },
      },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
