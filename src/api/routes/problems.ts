import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ProblemError } from '../problems.js';
import { problemCatalogue, problemTypeUri, type ProblemSlug } from '../problems.js';
import { problemResponses } from './problem-responses.js';

/** RFC 9457 §3.1.1: a problem `type` URI should lead to documentation for people. */
export const problemsRoutes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/problems/:slug',
    {
      schema: {
        operationId: 'getProblemType',
        summary: 'Documentation of one problem type',
        security: [],
        params: z.object({ slug: z.string() }),
        response: {
          200: z.object({ type: z.string(), title: z.string(), status: z.number(), description: z.string() }),
          ...problemResponses(404),
        },
      },
    },
    async (request) => {
      const slug = request.params.slug as ProblemSlug;
      if (!Object.hasOwn(problemCatalogue, slug)) throw new ProblemError('not-found', `No problem type "${slug}".`);
      return { type: problemTypeUri(slug), ...problemCatalogue[slug] };
    },
  );
};
