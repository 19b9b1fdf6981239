// Which JSON Schema (2020-12) keywords zod's z.fromJSONSchema() (zod 4.6) turns
// into checks, read from its source (v4/classic/from-json-schema.js). It throws
// on a few (if/then/else, not, unevaluated*, dependent*), but ignores others
// without a word: a keyword it does not know becomes metadata, a number keyword
// beside no "type" is dropped with the type (the schema becomes z.any()), a
// "required" name missing from "properties" is never required, siblings of
// "$ref", "enum" and "const" are skipped, and so are unknown "format"s. A payload
// schema that says more than is checked would let the API accept what its
// author meant to refuse, so those are refused when the job types load.

/** Annotations: they check nothing, in any validator; zod keeps them as metadata (OpenAPI shows them). */
const ANNOTATIONS = new Set(['title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', '$comment']);

/** Keywords that apply to one kind of value, and that zod applies only when "type" names it. */
const FOR_TYPE: Readonly<Record<string, readonly string[]>> = {
  string: ['minLength', 'maxLength', 'pattern', 'format'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  object: ['properties', 'required', 'additionalProperties', 'patternProperties', 'propertyNames', 'minProperties', 'maxProperties'],
  array: ['items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'contains', 'minContains', 'maxContains'],
};
const TYPE_OF_KEYWORD = new Map(Object.entries(FOR_TYPE).flatMap(([type, keywords]) => keywords.map((keyword) => [keyword, type] as const)));
const COMPOSITION = ['anyOf', 'oneOf', 'allOf'];
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);

/** Formats zod checks as JSON Schema defines them ("uri-reference" it checks as an absolute URL: refused). */
const FORMATS = new Set(['email', 'uri', 'uuid', 'date-time', 'date', 'time', 'duration', 'hostname', 'ipv4', 'ipv6']);

/** Keywords refused outright, with the reason. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  if: 'conditional schemas are not supported',
  then: 'conditional schemas are not supported',
  else: 'conditional schemas are not supported',
  not: 'is not supported',
  dependentRequired: 'is not supported',
  dependentSchemas: 'is not supported',
  unevaluatedItems: 'is not supported',
  unevaluatedProperties: 'is not supported',
  $id: 'is not supported (references resolve within the schema only)',
  $anchor: 'is not supported: refer to "#/$defs/<name>"',
  $dynamicRef: 'is not supported',
  $dynamicAnchor: 'is not supported',
  $vocabulary: 'is not supported',
  contentEncoding: 'is not checked (an annotation in 2020-12)',
  contentMediaType: 'is not checked (an annotation in 2020-12)',
  contentSchema: 'is not checked (an annotation in 2020-12)',
  additionalItems: 'is draft-7; in 2020-12 use "prefixItems" and "items"',
  definitions: 'is draft-7; use "$defs"',
  dependencies: 'is draft-7; use "dependentRequired" (not supported either)',
  nullable: 'is OpenAPI 3.0; use "type": ["string", "null"]',
};

const DRAFT_2020_12 = 'https://json-schema.org/draft/2020-12/schema';

type Schema = Record<string, unknown>;

/** JSON Pointer (RFC 6901) of a child. */
const child = (pointer: string, ...parts: Array<string | number>) =>
  pointer + parts.map((part) => `/${String(part).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

const isSchemaObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The first thing in a JSON Schema that zod's fromJSONSchema would not check as
 * written, as `"keyword" at /pointer: why`; undefined when every keyword counts.
 */
export function uncheckedKeyword(root: unknown): string | undefined {
  const defs = isSchemaObject(root) && isSchemaObject(root.$defs) ? root.$defs : {};
  const problems: string[] = [];
  const refuse = (keyword: string, pointer: string, why: string) => problems.push(`"${keyword}" at ${pointer || '/'} ${why}`);

  // `implied`: the type zod assumes when "type" is left out (a propertyNames schema checks strings).
  const walk = (schema: unknown, pointer: string, isRoot: boolean, implied?: string): void => {
    if (problems.length > 0 || typeof schema === 'boolean') return;
    if (!isSchemaObject(schema)) return void problems.push(`${pointer || '/'} is not a schema (an object or a boolean)`);
    const declared = typeof schema.type === 'string' ? [schema.type] : Array.isArray(schema.type) ? (schema.type as unknown[]) : [];
    const types = declared.length === 0 && implied !== undefined ? [implied] : declared;
    for (const type of types) if (typeof type !== 'string' || !TYPES.has(type)) refuse('type', pointer, `names an unknown type ${JSON.stringify(type)}`);
    // In zod's order: "$ref" wins over "enum", "enum" over "const", and each over every other keyword.
    const literal = '$ref' in schema ? '$ref' : 'enum' in schema ? 'enum' : 'const' in schema ? 'const' : undefined;

    for (const [keyword, value] of Object.entries(schema)) {
      if (ANNOTATIONS.has(keyword) || keyword.startsWith('x-') || COMPOSITION.includes(keyword)) continue;
      if (keyword in UNSUPPORTED) refuse(keyword, pointer, UNSUPPORTED[keyword]!);
      else if (keyword === '$schema' || keyword === '$defs') {
        if (!isRoot) refuse(keyword, pointer, 'is read at the top of the schema only');
        else if (keyword === '$schema' && value !== DRAFT_2020_12) refuse(keyword, pointer, `must be "${DRAFT_2020_12}" (or left out)`);
      } else if (keyword === 'type' || keyword === 'enum' || keyword === 'const' || keyword === '$ref') {
        if (literal !== undefined && keyword !== literal && keyword !== 'type') refuse(keyword, pointer, `is ignored beside "${literal}"`);
      } else if (TYPE_OF_KEYWORD.has(keyword)) {
        const needs = TYPE_OF_KEYWORD.get(keyword)!;
        const applies = types.includes(needs) || (needs === 'number' && types.includes('integer'));
        if (literal !== undefined) refuse(keyword, pointer, `is ignored beside "${literal}"`);
        else if (!applies) refuse(keyword, pointer, `needs "type": "${needs === 'number' ? 'number" or "integer' : needs}" beside it, or it is ignored`);
      } else refuse(keyword, pointer, 'is not a JSON Schema 2020-12 keyword zod checks (misspelt?)');
    }
    if (problems.length > 0) return;
    const compositions = COMPOSITION.filter((keyword) => keyword in schema);
    if (literal === '$ref' && 'type' in schema) refuse('type', pointer, 'is ignored beside "$ref"');
    // Without a type beside it, zod lets each composition replace what came before: $ref, or an earlier one.
    if (literal === '$ref' && compositions.length > 0) refuse(compositions[0]!, pointer, 'is not combined with "$ref" by zod; wrap both in "allOf"');
    else if (compositions.length > 1 && declared.length === 0 && literal === undefined) {
      refuse(compositions[1]!, pointer, `is not combined with "${compositions[0]}" by zod without a "type" beside them; wrap them in "allOf"`);
    }
    if (literal === '$ref') checkRef(schema.$ref, pointer);
    if (literal === 'enum' || literal === 'const') checkLiterals(schema, types, pointer, literal);
    checkValues(schema, pointer);
    walkChildren(schema, pointer);
  };

  const checkRef = (ref: unknown, pointer: string) => {
    const name = typeof ref === 'string' && ref.startsWith('#/$defs/') ? ref.slice('#/$defs/'.length) : undefined;
    if (ref !== '#' && (name === undefined || name.includes('/') || !Object.hasOwn(defs, name.replace(/~1/g, '/').replace(/~0/g, '~')))) {
      refuse('$ref', pointer, 'must be "#" or "#/$defs/<name>" of a name in the top-level "$defs"');
    }
  };

  const checkLiterals = (schema: Schema, types: unknown[], pointer: string, keyword: 'enum' | 'const') => {
    const values = keyword === 'enum' ? schema.enum : [schema.const];
    if (!Array.isArray(values) || values.length === 0) return refuse(keyword, pointer, 'must list at least one value');
    const misfit = types.length === 0 ? undefined : values.find((value) => !types.some((type) => isOfType(value, type as string)));
    if (misfit !== undefined) refuse(keyword, pointer, `holds ${JSON.stringify(misfit)}, which is not of "type" ${JSON.stringify(schema.type)}`);
  };

  const checkValues = (schema: Schema, pointer: string) => {
    if (typeof schema.format === 'string' && !FORMATS.has(schema.format)) {
      refuse('format', pointer, `"${schema.format}" is not checked; the formats checked are ${[...FORMATS].join(', ')}`);
    }
    if (typeof schema.pattern === 'string') {
      try {
        new RegExp(schema.pattern);
      } catch (err) {
        refuse('pattern', pointer, `is not a regular expression: ${(err as Error).message}`);
      }
    }
    for (const keyword of ['exclusiveMinimum', 'exclusiveMaximum']) {
      if (typeof schema[keyword] === 'boolean') refuse(keyword, pointer, 'must be a number in 2020-12 (a boolean is draft-4)');
    }
    if (Array.isArray(schema.items)) refuse('items', pointer, 'must be one schema in 2020-12; a list of them is "prefixItems"');
    const properties = isSchemaObject(schema.properties) ? schema.properties : {};
    const missing = Array.isArray(schema.required) ? schema.required.find((name) => typeof name !== 'string' || !Object.hasOwn(properties, name)) : undefined;
    if (missing !== undefined) refuse('required', pointer, `names ${JSON.stringify(missing)}, which "properties" does not define: zod would not require it`);
    if (schema.patternProperties !== undefined && isSchemaObject(schema.additionalProperties)) {
      refuse('additionalProperties', pointer, 'is ignored beside "patternProperties" unless it is false');
    }
    for (const keyword of COMPOSITION) {
      if (keyword in schema && (!Array.isArray(schema[keyword]) || (schema[keyword] as unknown[]).length === 0)) refuse(keyword, pointer, 'must list at least one schema');
    }
  };

  const walkChildren = (schema: Schema, pointer: string) => {
    for (const keyword of ['properties', 'patternProperties', '$defs']) {
      if (isSchemaObject(schema[keyword])) for (const [name, sub] of Object.entries(schema[keyword])) walk(sub, child(pointer, keyword, name), false);
    }
    for (const keyword of ['additionalProperties', 'items', 'contains']) {
      if (keyword in schema && !Array.isArray(schema[keyword])) walk(schema[keyword], child(pointer, keyword), false);
    }
    if ('propertyNames' in schema) walk(schema.propertyNames, child(pointer, 'propertyNames'), false, 'string');
    for (const keyword of ['prefixItems', ...COMPOSITION]) {
      if (Array.isArray(schema[keyword])) (schema[keyword] as unknown[]).forEach((sub, index) => walk(sub, child(pointer, keyword, index), false));
    }
  };

  walk(root, '', true);
  return problems[0];
}

function isOfType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  if (type === 'null') return value === null;
  if (type === 'array') return Array.isArray(value);
  if (type === 'object') return isSchemaObject(value);
  return typeof value === type;
}
