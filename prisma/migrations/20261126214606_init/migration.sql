-- CreateTable
CREATE TABLE "Library" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "path" TEXT NOT NULL,
    "label" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'auto',
    "source" TEXT NOT NULL DEFAULT 'ui',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "status" TEXT NOT NULL DEFAULT 'unknown',
    "statusReason" TEXT,
    "mountJson" TEXT,
    "mountCheckedAt" DATETIME,
    "lastFsType" TEXT,
    "lastScanAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "LibraryFile" (
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
    CONSTRAINT "LibraryFile_libraryId_fkey" FOREIGN KEY ("libraryId") REFERENCES "Library" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "LibraryFile_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Model" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "fingerprint" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "name" TEXT,
    "basename" TEXT,
    "sizeLabel" TEXT,
    "finetune" TEXT,
    "version" TEXT,
    "organization" TEXT,
    "modelType" TEXT,
    "architecture" TEXT NOT NULL,
    "parameterCount" BIGINT NOT NULL,
    "fileType" TEXT NOT NULL,
    "fileTypeSource" TEXT NOT NULL,
    "contextLength" INTEGER,
    "embeddingLength" INTEGER,
    "blockCount" INTEGER,
    "feedForwardLength" INTEGER,
    "headCount" INTEGER,
    "headCountKv" INTEGER,
    "keyLength" INTEGER,
    "valueLength" INTEGER,
    "vocabSize" INTEGER,
    "expertCount" INTEGER,
    "tokenizerModel" TEXT,
    "chatTemplate" TEXT,
    "license" TEXT,
    "ggufVersion" INTEGER NOT NULL,
    "tensorCount" INTEGER NOT NULL,
    "tensorBytes" BIGINT NOT NULL,
    "totalBytes" BIGINT NOT NULL,
    "shardCount" INTEGER NOT NULL DEFAULT 1,
    "tensorTypesJson" TEXT NOT NULL,
    "metadataJson" TEXT NOT NULL,
    "problemsJson" TEXT NOT NULL DEFAULT '[]',
    "firstSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateTable
CREATE TABLE "OllamaTag" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "libraryId" INTEGER NOT NULL,
    "host" TEXT NOT NULL,
    "namespace" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "tag" TEXT NOT NULL,
    "manifestRelPath" TEXT NOT NULL,
    "manifestDigest" TEXT NOT NULL,
    "manifestSize" INTEGER NOT NULL,
    "manifestMtimeMs" REAL NOT NULL,
    "totalSize" BIGINT NOT NULL,
    "modelLayerDigest" TEXT,
    "modelFileId" INTEGER,
    "modelId" INTEGER,
    "template" TEXT,
    "system" TEXT,
    "paramsJson" TEXT,
    "license" TEXT,
    "layersJson" TEXT NOT NULL,
    "configJson" TEXT,
    "problemsJson" TEXT NOT NULL DEFAULT '[]',
    "firstSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "missingSince" DATETIME,
    CONSTRAINT "OllamaTag_libraryId_fkey" FOREIGN KEY ("libraryId") REFERENCES "Library" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "OllamaTag_modelFileId_fkey" FOREIGN KEY ("modelFileId") REFERENCES "LibraryFile" ("id") ON DELETE SET NULL ON UPDATE CASCADE,
    CONSTRAINT "OllamaTag_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ScanRun" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "libraryId" INTEGER NOT NULL,
    "trigger" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'running',
    "phase" TEXT NOT NULL DEFAULT 'walking',
    "message" TEXT,
    "startedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    "filesSeen" INTEGER NOT NULL DEFAULT 0,
    "added" INTEGER NOT NULL DEFAULT 0,
    "changed" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "missing" INTEGER NOT NULL DEFAULT 0,
    "returned" INTEGER NOT NULL DEFAULT 0,
    "ignored" INTEGER NOT NULL DEFAULT 0,
    "settling" INTEGER NOT NULL DEFAULT 0,
    "errors" INTEGER NOT NULL DEFAULT 0,
    "bytesRead" BIGINT NOT NULL DEFAULT 0,
    "progressDone" INTEGER NOT NULL DEFAULT 0,
    "progressTotal" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "ScanRun_libraryId_fkey" FOREIGN KEY ("libraryId") REFERENCES "Library" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Job" (
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
    "resultJson" TEXT,
    "lastError" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "finishedAt" DATETIME
);

-- CreateTable
CREATE TABLE "AuditEntry" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "inputJson" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "message" TEXT
);

-- CreateIndex
CREATE UNIQUE INDEX "Library_path_key" ON "Library"("path");

-- CreateIndex
CREATE INDEX "LibraryFile_modelId_idx" ON "LibraryFile"("modelId");

-- CreateIndex
CREATE INDEX "LibraryFile_state_idx" ON "LibraryFile"("state");

-- CreateIndex
CREATE INDEX "LibraryFile_headerFingerprint_idx" ON "LibraryFile"("headerFingerprint");

-- CreateIndex
CREATE UNIQUE INDEX "LibraryFile_libraryId_relPath_key" ON "LibraryFile"("libraryId", "relPath");

-- CreateIndex
CREATE UNIQUE INDEX "Model_fingerprint_key" ON "Model"("fingerprint");

-- CreateIndex
CREATE INDEX "Model_architecture_idx" ON "Model"("architecture");

-- CreateIndex
CREATE INDEX "Model_fileType_idx" ON "Model"("fileType");

-- CreateIndex
CREATE INDEX "Model_parameterCount_idx" ON "Model"("parameterCount");

-- CreateIndex
CREATE INDEX "Model_displayName_idx" ON "Model"("displayName");

-- CreateIndex
CREATE INDEX "OllamaTag_modelId_idx" ON "OllamaTag"("modelId");

-- CreateIndex
CREATE UNIQUE INDEX "OllamaTag_libraryId_host_namespace_model_tag_key" ON "OllamaTag"("libraryId", "host", "namespace", "model", "tag");

-- CreateIndex
CREATE INDEX "ScanRun_libraryId_startedAt_idx" ON "ScanRun"("libraryId", "startedAt");

-- CreateIndex
CREATE INDEX "Job_state_runAfter_priority_idx" ON "Job"("state", "runAfter", "priority");

-- CreateIndex
CREATE INDEX "Job_dedupeKey_state_idx" ON "Job"("dedupeKey", "state");

-- CreateIndex
CREATE INDEX "AuditEntry_at_idx" ON "AuditEntry"("at");
