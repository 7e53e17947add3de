import type { OpenAPIHono } from '@hono/zod-openapi';
import { AdminErrorBody } from '@xkslab/protocol';
import type { z } from 'zod';

/** Shared pieces of the admin routes' OpenAPI definitions. */

/** The admin application every resource file registers its routes on. */
export type AdminApp = OpenAPIHono;

const errorContent = { 'application/json': { schema: AdminErrorBody } };

/** The error answers every authenticated route can give. */
export const ERROR_RESPONSES = {
  400: { description: 'Invalid input (our error body)', content: errorContent },
  401: { description: 'Missing or wrong admin token', content: errorContent },
  404: { description: 'No such resource', content: errorContent },
  409: { description: 'Conflicts with the resource state', content: errorContent },
} as const;

export function jsonBody<S extends z.ZodType>(schema: S) {
  return { content: { 'application/json': { schema } }, required: true } as const;
}

export function jsonResponse<S extends z.ZodType>(schema: S, description: string) {
  return { description, content: { 'application/json': { schema } } } as const;
}

export const SECURITY = [{ adminToken: [] as string[] }];
