-- CreateTable
CREATE TABLE "ExpectedHash" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "fileId" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "sourcePath" TEXT NOT NULL DEFAULT '',
    "recordedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ExpectedHash_fileId_fkey" FOREIGN KEY ("fileId") REFERENCES "LibraryFile" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Verification" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "fileId" INTEGER NOT NULL,
    "jobId" INTEGER,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "sha256" TEXT,
    "expectedSha256" TEXT,
    "expectedSource" TEXT,
    "bytes" BIGINT NOT NULL DEFAULT 0,
    "seconds" REAL NOT NULL DEFAULT 0,
    "error" TEXT,
    "startedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Verification_fileId_fkey" FOREIGN KEY ("fileId") REFERENCES "LibraryFile" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ChecksumFile" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "libraryId" INTEGER NOT NULL,
    "relPath" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "mtimeMs" REAL NOT NULL,
    "entries" INTEGER NOT NULL DEFAULT 0,
    "problemsJson" TEXT NOT NULL DEFAULT '[]',
    "lastSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "missingSince" DATETIME,
    CONSTRAINT "ChecksumFile_libraryId_fkey" FOREIGN KEY ("libraryId") REFERENCES "Library" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Setting" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "valueJson" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "ScrubRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "status" TEXT NOT NULL DEFAULT 'running',
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "filesTotal" INTEGER NOT NULL DEFAULT 0,
    "filesDone" INTEGER NOT NULL DEFAULT 0,
    "bytesTotal" BIGINT NOT NULL DEFAULT 0,
    "bytesDone" BIGINT NOT NULL DEFAULT 0,
    "mismatches" INTEGER NOT NULL DEFAULT 0,
    "unreadable" INTEGER NOT NULL DEFAULT 0
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Job" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "payloadJson" TEXT NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'queued',
    "priority" INTEGER NOT NULL DEFAULT 0,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "maxAttempts" INTEGER NOT NULL DEFAULT 3,
    "dedupeKey" TEXT,
    "runAfter" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseOwner" TEXT,
    "leaseExpiresAt" DATETIME,
    "heartbeatAt" DATETIME,
    "progressDone" REAL,
    "progressTotal" REAL,
    "progressUnit" TEXT,
    "progressRate" REAL,
    "cancelRequested" BOOLEAN NOT NULL DEFAULT false,
    "resultJson" TEXT,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME
);
INSERT INTO "new_Job" ("attempts", "createdAt", "dedupeKey", "finishedAt", "heartbeatAt", "id", "lastError", "leaseExpiresAt", "leaseOwner", "maxAttempts", "name", "payloadJson", "priority", "progressDone", "progressRate", "progressTotal", "progressUnit", "resultJson", "runAfter", "startedAt", "state") SELECT "attempts", "createdAt", "dedupeKey", "finishedAt", "heartbeatAt", "id", "lastError", "leaseExpiresAt", "leaseOwner", "maxAttempts", "name", "payloadJson", "priority", "progressDone", "progressRate", "progressTotal", "progressUnit", "resultJson", "runAfter", "startedAt", "state" FROM "Job";
DROP TABLE "Job";
ALTER TABLE "new_Job" RENAME TO "Job";
CREATE INDEX "Job_state_runAfter_priority_idx" ON "Job"("state", "runAfter", "priority");
CREATE INDEX "Job_dedupeKey_state_idx" ON "Job"("dedupeKey", "state");
CREATE TABLE "new_LibraryFile" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "libraryId" INTEGER NOT NULL,
    "relPath" TEXT NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "mtimeMs" REAL NOT NULL,
    "inode" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "stateReason" TEXT,
    "errorOffset" BIGINT,
    "role" TEXT NOT NULL DEFAULT 'gguf',
    "ggufVersion" INTEGER,
    "tensorDataOffset" BIGINT,
    "headerFingerprint" TEXT,
    "blobDigest" TEXT,
    "sha256" TEXT,
    "shardIndex" INTEGER,
    "shardCount" INTEGER,
    "splitGroup" TEXT,
    "summaryJson" TEXT,
    "modelId" INTEGER,
    "firstSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "missingSince" DATETIME,
    "indexedAt" DATETIME,
    "verifyState" TEXT NOT NULL DEFAULT 'unverified',
    "verifyProgress" REAL,
    "verifiedAt" DATETIME,
    "verifiedSource" TEXT,
    "verifyError" TEXT,
    CONSTRAINT "LibraryFile_libraryId_fkey" FOREIGN KEY ("libraryId") REFERENCES "Library" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "LibraryFile_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_LibraryFile" ("blobDigest", "errorOffset", "firstSeenAt", "ggufVersion", "headerFingerprint", "id", "indexedAt", "inode", "lastSeenAt", "libraryId", "missingSince", "modelId", "mtimeMs", "relPath", "role", "sha256", "shardCount", "shardIndex", "sizeBytes", "splitGroup", "state", "stateReason", "summaryJson", "tensorDataOffset") SELECT "blobDigest", "errorOffset", "firstSeenAt", "ggufVersion", "headerFingerprint", "id", "indexedAt", "inode", "lastSeenAt", "libraryId", "missingSince", "modelId", "mtimeMs", "relPath", "role", "sha256", "shardCount", "shardIndex", "sizeBytes", "splitGroup", "state", "stateReason", "summaryJson", "tensorDataOffset" FROM "LibraryFile";
DROP TABLE "LibraryFile";
ALTER TABLE "new_LibraryFile" RENAME TO "LibraryFile";
CREATE INDEX "LibraryFile_modelId_idx" ON "LibraryFile"("modelId");
CREATE INDEX "LibraryFile_state_idx" ON "LibraryFile"("state");
CREATE INDEX "LibraryFile_headerFingerprint_idx" ON "LibraryFile"("headerFingerprint");
CREATE INDEX "LibraryFile_sha256_idx" ON "LibraryFile"("sha256");
CREATE INDEX "LibraryFile_verifyState_idx" ON "LibraryFile"("verifyState");
CREATE INDEX "LibraryFile_verifiedAt_idx" ON "LibraryFile"("verifiedAt");
CREATE UNIQUE INDEX "LibraryFile_libraryId_relPath_key" ON "LibraryFile"("libraryId", "relPath");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "ExpectedHash_fileId_idx" ON "ExpectedHash"("fileId");

-- CreateIndex
CREATE UNIQUE INDEX "ExpectedHash_fileId_source_sourcePath_key" ON "ExpectedHash"("fileId", "source", "sourcePath");

-- CreateIndex
CREATE UNIQUE INDEX "Verification_jobId_key" ON "Verification"("jobId");

-- CreateIndex
CREATE INDEX "Verification_fileId_finishedAt_idx" ON "Verification"("fileId", "finishedAt");

-- CreateIndex
CREATE INDEX "Verification_status_idx" ON "Verification"("status");

-- CreateIndex
CREATE UNIQUE INDEX "ChecksumFile_libraryId_relPath_key" ON "ChecksumFile"("libraryId", "relPath");
