// Request bodies of the hosts API, checked before the lib action sees them:
// unknown keys are refused (a misspelt "metod" must not silently become the
// default), and every schema issue comes back with its path in error.details
// so a machine caller can point at the field.
import { z } from "zod";
import { AppError } from "../../../../lib/errors.ts";
import { hostInputSchema } from "../../../../lib/hosts/host-schema.ts";

export interface BodyIssue {
  path: string;
  message: string;
}

function invalid(issues: BodyIssue[]): AppError {
  return new AppError("invalid-input", issues.map((i) => `${i.path || "body"}: ${i.message}`).join("; "), { details: { issues } });
}

function issuesOf(error: z.ZodError): BodyIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
}

/** Parses a body with a strict object schema. */
export function parseBody<Schema extends z.ZodType>(schema: Schema, body: Record<string, unknown>): z.output<Schema> {
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw invalid(issuesOf(parsed.error));
  return parsed.data;
}

const hostKeys = new Set(Object.keys(hostInputSchema.in.shape));

/** A host as POST /api/v1/hosts and PUT /api/v1/hosts/[id] take it: hostInputSchema, nothing else. Returns the raw body for the action to parse. */
export function checkHostBody(body: Record<string, unknown>): Record<string, unknown> {
  const unknown = Object.keys(body).filter((key) => !hostKeys.has(key));
  if (unknown.length > 0) throw invalid(unknown.map((key) => ({ path: key, message: "unknown field" })));
  const parsed = hostInputSchema.safeParse(body);
  if (!parsed.success) throw invalid(issuesOf(parsed.error));
  return body;
}

export const pushMethodField = z.enum(["auto", "upload", "pull", "copy", "preset"]).optional();
export const modelField = z.string().trim().min(1, "name a catalogue model: its id or its reference (ns/model:tag)").max(512);
