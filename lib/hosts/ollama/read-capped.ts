// The text of an Ollama error answer, read with a cap (lib/read-capped.ts).
import { readCapped } from "../../read-capped.ts";
import { ollamaErrorSchema } from "./ollama-schemas.ts";

/** Error answers are a line of JSON; 64 KiB holds any real one and a proxy page's head. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

type ByteChunks = Parameters<typeof readCapped>[0];

/** The message of an error answer: its {"error"} text, else the start of the body. */
export async function readErrorText(body: ByteChunks, what: string): Promise<string> {
  const text = (await readCapped(body, MAX_ERROR_BODY_BYTES, what, { truncate: true })).toString("utf8");
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON (a proxy page, a plain-text 404): the raw text is the message.
    json = null;
  }
  const parsed = ollamaErrorSchema.safeParse(json);
  return parsed.success ? parsed.data.error : text.trim() || "(empty answer)";
}
