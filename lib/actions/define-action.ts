// Every mutation of the app goes through an action defined here: input parsed
// with zod, the actor's permission checked, and an audit entry written — one
// place for the accounts/roles and tamper-evident audit work to attach to.
import type { z } from "zod";
import type { Db } from "../db/client.ts";
import { AppError, errorMessage, isAppError } from "../errors.ts";

export type Role = "admin" | "approver" | "viewer";
export type Permission = "catalog.read" | "catalog.manage" | "jobs.manage" | "hosts.manage";

export interface Actor {
  id: string;
  roles: readonly Role[];
}

const permissionsByRole: Record<Role, readonly Permission[]> = {
  admin: ["catalog.read", "catalog.manage", "jobs.manage", "hosts.manage"],
  approver: ["catalog.read"],
  viewer: ["catalog.read"],
};

export function can(actor: Actor, permission: Permission): boolean {
  return actor.roles.some((role) => permissionsByRole[role].includes(permission));
}

export interface ActionContext {
  db: Db;
  actor: Actor;
}

export interface ActionDefinition<Schema extends z.ZodType, Result> {
  name: string;
  schema: Schema;
  permission: Permission;
  /** What the action acts on, for the audit trail (e.g. "library:3"). */
  target?: (input: z.infer<Schema>) => string;
  run(ctx: ActionContext, input: z.infer<Schema>): Promise<Result>;
}

export type Action<Schema extends z.ZodType, Result> = ((
  ctx: ActionContext,
  rawInput: unknown,
) => Promise<Result>) & { actionName: string; schema: Schema };

export function defineAction<Schema extends z.ZodType, Result>(
  definition: ActionDefinition<Schema, Result>,
): Action<Schema, Result> {
  const action = async (ctx: ActionContext, rawInput: unknown): Promise<Result> => {
    const audit = (outcome: "ok" | "denied" | "error", input: unknown, target: string | null, message?: string) =>
      ctx.db.auditEntry.create({
        data: {
          actor: ctx.actor.id,
          action: definition.name,
          target,
          inputJson: JSON.stringify(input ?? null),
          outcome,
          message: message ?? null,
        },
      });
    const parsed = definition.schema.safeParse(rawInput);
    if (!parsed.success) {
      const message = parsed.error.issues.map((i) => `${i.path.join(".") || "input"}: ${i.message}`).join("; ");
      throw new AppError("invalid-input", message);
    }
    const target = definition.target?.(parsed.data) ?? null;
    if (!can(ctx.actor, definition.permission)) {
      await audit("denied", parsed.data, target, `missing permission ${definition.permission}`);
      throw new AppError("forbidden", `${ctx.actor.id} may not ${definition.name}`);
    }
    try {
      const result = await definition.run(ctx, parsed.data);
      await audit("ok", parsed.data, target);
      return result;
    } catch (error) {
      await audit("error", parsed.data, target, isAppError(error) ? error.message : errorMessage(error));
      throw error;
    }
  };
  return Object.assign(action, { actionName: definition.name, schema: definition.schema });
}

/** The actor for requests until accounts exist: the local administrator.
 * Accounts and roles (a later issue) replace this one function. */
export function localAdminActor(): Actor {
  return { id: "local-admin", roles: ["admin"] };
}
