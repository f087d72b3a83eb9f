// One settings group stored as JSON in the Setting table, read through its zod
// schema. A stored value that no longer validates (older release, hand edit)
// falls back to the default key by key instead of failing the reader.
import type { z } from "zod";
import type { Db } from "../db/client.ts";

export async function readStoredSettings<Shape extends z.ZodRawShape>(db: Db, key: string, schema: z.ZodObject<Shape>): Promise<z.infer<z.ZodObject<Shape>>> {
  const row = await db.setting.findUnique({ where: { key } });
  const stored: unknown = row ? JSON.parse(row.valueJson) : {};
  const parsed = schema.safeParse(stored);
  if (parsed.success) return parsed.data;
  const merged: Record<string, unknown> = { ...schema.parse({}) };
  if (stored && typeof stored === "object") {
    for (const [name, value] of Object.entries(stored as Record<string, unknown>)) {
      const field = schema.shape[name] as z.ZodType | undefined;
      if (field && field.safeParse(value).success) merged[name] = value;
    }
  }
  return schema.parse(merged);
}

export async function writeStoredSettings<Shape extends z.ZodRawShape>(db: Db, key: string, schema: z.ZodObject<Shape>, settings: unknown): Promise<void> {
  const valueJson = JSON.stringify(schema.parse(settings));
  await db.setting.upsert({ where: { key }, create: { key, valueJson }, update: { valueJson } });
}
