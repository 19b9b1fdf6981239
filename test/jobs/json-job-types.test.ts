import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineJobType, JobTypeDefinitionError, type JobType } from '../../src/jobs/job-type.js';
import { jobTypesFromJson } from '../../src/jobs/json-job-types.js';
import { loadJobTypes } from '../../src/jobs/load-job-types.js';

/** The issue's example: one HTTP job type with a JSON Schema payload. */
const resize = {
  type: 'resize',
  description: 'Resizes an image.',
  payloadSchema: {
    type: 'object',
    properties: { w: { type: 'integer', minimum: 1 } },
    required: ['w'],
    additionalProperties: false,
  },
  http: { url: 'https://images.internal/resize', timeoutMs: 30000 },
  queue: 'default',
};

const fileOf = (...jobTypes: unknown[]) => JSON.stringify({ jobTypes });
/** The job types of a file holding one type: `resize` with `payloadSchema` replaced. */
const withPayloadSchema = (payloadSchema: unknown) => () => jobTypesFromJson(fileOf({ ...resize, payloadSchema }), 'types.json');

describe('a JSON job types file', () => {
  it('loads HTTP job types whose JSON Schema payloads validate as zod schemas do', () => {
    const [jobType] = jobTypesFromJson(fileOf(resize), 'types.json');

    expect(jobType).toMatchObject({ type: 'resize', queue: 'default', http: { url: 'https://images.internal/resize', timeoutMs: 30000 } });
    expect(jobType!.run).toBeUndefined();
    expect(jobType!.payloadSchema.parse({ w: 640 })).toEqual({ w: 640 });
    const refused = jobType!.payloadSchema.safeParse({ w: 0, h: 5 });
    expect(refused.success).toBe(false);
    expect(refused.error!.issues.map((issue) => issue.path)).toEqual(expect.arrayContaining([['w'], []]));
  });

  it('is read by loadJobTypes from a .json path, as --jobs gives it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'job-types-'));
    writeFileSync(join(folder, 'types.json'), fileOf(resize));

    const registry = await loadJobTypes('types.json', folder);

    expect([...registry.keys()]).toEqual(['resize']);
  });

  it('refuses a file that is not { "jobTypes": [...] }, and a job type without http', () => {
    expect(() => jobTypesFromJson('{"jobTypes": [', 'types.json')).toThrow(/types\.json is not JSON/);
    expect(() => jobTypesFromJson('[]', 'types.json')).toThrow('types.json must hold { "jobTypes": [ ... ] } and nothing else');
    const { http: _http, ...withoutHttp } = resize;
    expect(() => jobTypesFromJson(fileOf(withoutHttp), 'types.json')).toThrow(
      'types.json: jobTypes[0]: job type "resize": http ({ "url": ... }) is required: a job type in a JSON file runs by POSTing to its endpoint',
    );
  });

  it('refuses a payload schema that is not an object at its top', () => {
    expect(withPayloadSchema({ type: 'array' })).toThrow('job type "resize": payloadSchema must say "type": "object" at its top');
  });

  it.each([
    ['a misspelt keyword', { minimun: 1 }, '"minimun" at /properties/w is not a JSON Schema 2020-12 keyword zod checks (misspelt?)'],
    ['a number keyword without a type', { minimum: 1, type: undefined }, '"minimum" at /properties/w needs "type": "number" or "integer" beside it'],
    ['a required name that properties lacks', null, '"required" at / names "h", which "properties" does not define'],
    ['a conditional', { if: { minimum: 5 } }, '"if" at /properties/w conditional schemas are not supported'],
    ['an unknown format', { type: 'string', format: 'idn-email' }, '"format" at /properties/w "idn-email" is not checked'],
    ['a keyword beside $ref', { $ref: '#/$defs/width', minimum: 3, type: undefined }, '"minimum" at /properties/w is ignored beside "$ref"'],
    ['a keyword beside enum', { type: 'string', enum: ['a'], minLength: 2 }, '"minLength" at /properties/w is ignored beside "enum"'],
    ['an enum value of another type', { type: 'string', enum: ['a', 1] }, '"enum" at /properties/w holds 1, which is not of "type" "string"'],
    ['a draft-7 keyword', { type: 'array', items: [{ type: 'string' }] }, '"items" at /properties/w must be one schema in 2020-12'],
    ['an OpenAPI 3.0 keyword', { nullable: true }, '"nullable" at /properties/w is OpenAPI 3.0'],
    ['a content annotation', { type: 'string', contentMediaType: 'application/json' }, '"contentMediaType" at /properties/w is not checked'],
  ])('refuses %s, naming the keyword, where it is, and the type', (_case, w, message) => {
    const properties = w === null ? { w: { type: 'integer' } } : { w: { type: 'integer', ...w } };
    const required = w === null ? ['w', 'h'] : ['w'];
    const payloadSchema = { type: 'object', properties, required, $defs: { width: { type: 'integer' } } };

    expect(withPayloadSchema(JSON.parse(JSON.stringify(payloadSchema)))).toThrow(`types.json: jobTypes[0]: job type "resize": payloadSchema: ${message}`);
  });

  it('refuses another draft than 2020-12', () => {
    expect(withPayloadSchema({ ...resize.payloadSchema, $schema: 'http://json-schema.org/draft-07/schema#' })).toThrow(
      '"$schema" at / must be "https://json-schema.org/draft/2020-12/schema"',
    );
  });

  it('takes references to $defs, formats zod checks, annotations and x- extensions', () => {
    const [jobType] = jobTypesFromJson(
      fileOf({
        ...resize,
        payloadSchema: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          title: 'Resize',
          properties: { w: { $ref: '#/$defs/width', description: 'pixels' }, at: { type: 'string', format: 'date-time' }, 'x-note': { type: 'string' } },
          required: ['w'],
          additionalProperties: false,
          'x-owner': 'images team',
          $defs: { width: { type: 'integer', minimum: 1, examples: [640] } },
        },
      }),
      'types.json',
    );

    expect(jobType!.payloadSchema.safeParse({ w: 1, at: '2026-11-23T13:20:30Z' }).success).toBe(true);
    expect(jobType!.payloadSchema.safeParse({ w: 1, at: 'yesterday' }).success).toBe(false);
    expect(jobType!.payloadSchema.safeParse({ w: 0 }).success).toBe(false);
  });
});

describe('defineJobType with http', () => {
  const http = { type: 'remote', description: 'runs elsewhere', payloadSchema: z.strictObject({}), http: { url: 'https://jobs.example.com/run' } };

  it('takes an endpoint instead of run', () => {
    expect(defineJobType(http).http).toEqual({ url: 'https://jobs.example.com/run' });
  });

  it('refuses both run and http, and neither', () => {
    expect(() => defineJobType({ ...http, run: async () => null } as unknown as JobType)).toThrow(
      'job type "remote": definition needs either run (a function) or http ({ url }), not both',
    );
    expect(() => defineJobType({ ...http, http: undefined } as unknown as JobType)).toThrow(/needs either run/);
  });

  it('refuses an endpoint that is not an http(s) URL, and a misspelt endpoint setting', () => {
    expect(() => defineJobType({ ...http, http: { url: 'ftp://files.example.com/run' } })).toThrow('job type "remote": http.url must be an http: or https: URL');
    expect(() => defineJobType({ ...http, http: { url: 'https://a.example.com', timeout: 5 } } as unknown as JobType)).toThrow(JobTypeDefinitionError);
  });
});
