/**
 * A response serializer for hot routes: the route's Zod response schema becomes JSON Schema once,
 * and fast-json-stringify (Fastify's own serializer) writes exactly its properties. Like the Zod
 * serializer it never lets a field outside the schema through and refuses an answer that lacks a
 * required one, at a fraction of the cost per response.
 */

import fastJson from 'fast-json-stringify';
import type { FastifySerializerCompiler } from 'fastify/types/schema.js';
import { z } from 'zod';

export const fastSerializerCompiler: FastifySerializerCompiler<z.ZodType> = ({ schema }) =>
  fastJson(
    z.toJSONSchema(schema, { target: 'draft-7', io: 'output', unrepresentable: 'any' }) as Parameters<
      typeof fastJson
    >[0],
  );
