import { z } from 'zod';
import { defineJobType, JobTypeDefinitionError, type JobType } from './job-type.js';
import { uncheckedKeyword } from './json-schema-keywords.js';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The job types of a JSON file, for teams that write no JavaScript:
 * `{ "jobTypes": [ { "type", "description", "payloadSchema", "http": { "url",
 * "timeoutMs"? }, "queue"?, "timeoutMs"?, "attempts"?, "backoff"?,
 * "resultSchema"? } ] }`. Each runs by POSTing to its endpoint (there is no code
 * to run). `payloadSchema` and `resultSchema` are JSON Schema 2020-12, turned
 * into zod by zod's own fromJSONSchema, so the API validates, reports pointers
 * and documents them exactly as for a module's zod schemas. A keyword zod would
 * not check is refused here, naming it (json-schema-keywords.ts), so no schema
 * promises more than the API checks.
 */
export function jobTypesFromJson(text: string, fileName: string): JobType[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new JobTypeDefinitionError(`${fileName} is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(parsed) || !Array.isArray(parsed.jobTypes) || Object.keys(parsed).some((key) => key !== 'jobTypes')) {
    throw new JobTypeDefinitionError(`${fileName} must hold { "jobTypes": [ ... ] } and nothing else`);
  }
  return parsed.jobTypes.map((entry, index) => {
    try {
      return jobTypeFromJson(entry);
    } catch (err) {
      throw new JobTypeDefinitionError(`${fileName}: jobTypes[${index}]: ${(err as Error).message}`, { cause: err });
    }
  });
}

function jobTypeFromJson(entry: unknown): JobType {
  if (!isObject(entry)) throw new JobTypeDefinitionError('must be an object');
  const name = typeof entry.type === 'string' ? entry.type : '(unnamed)';
  if (entry.http === undefined) {
    throw new JobTypeDefinitionError(`job type "${name}": http ({ "url": ... }) is required: a job type in a JSON file runs by POSTing to its endpoint`);
  }
  const payloadSchema = zodOf(entry.payloadSchema, name, 'payloadSchema');
  const resultSchema = entry.resultSchema === undefined ? {} : { resultSchema: zodOf(entry.resultSchema, name, 'resultSchema') };
  return defineJobType({ ...entry, payloadSchema, ...resultSchema } as unknown as JobType);
}

function zodOf(schema: unknown, type: string, field: 'payloadSchema' | 'resultSchema'): z.ZodType {
  if (schema === undefined) throw new JobTypeDefinitionError(`job type "${type}": ${field} is required (a JSON Schema)`);
  // A payload is the JSON body the endpoint gets and the object clients send.
  if (field === 'payloadSchema' && !(isObject(schema) && schema.type === 'object')) {
    throw new JobTypeDefinitionError(`job type "${type}": payloadSchema must say "type": "object" at its top: a payload is a JSON object`);
  }
  const unchecked = uncheckedKeyword(schema);
  if (unchecked !== undefined) throw new JobTypeDefinitionError(`job type "${type}": ${field}: ${unchecked}`);
  try {
    return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (err) {
    throw new JobTypeDefinitionError(`job type "${type}": ${field}: ${(err as Error).message}`, { cause: err });
  }
}
