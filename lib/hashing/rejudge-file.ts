// Re-judges a file's last computed hash when its expected hashes change
// (a SHA256SUMS appeared or was edited): no need to read the file again.
import type { Db } from "../db/client.ts";
import { judgeHash, verdictMessage } from "./judge-hash.ts";

export async function rejudgeFile(db: Db, fileId: number): Promise<void> {
  const file = await db.libraryFile.findUnique({ where: { id: fileId }, include: { expectedHashes: true } });
  if (!file?.sha256 || file.verifyState === "hashing" || file.verifyState === "unreadable") return;
  const verdict = judgeHash(
    file.sha256,
    file.expectedHashes.map((e) => ({ sha256: e.sha256, source: e.source, sourcePath: e.sourcePath })),
  );
  const message = verdictMessage(verdict);
  await db.libraryFile.update({
    where: { id: fileId },
    data: { verifyState: verdict.status, verifiedSource: verdict.expected?.source ?? "first-seen", verifyError: message },
  });
}
