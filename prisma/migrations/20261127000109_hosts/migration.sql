-- CreateTable
CREATE TABLE "InferenceHost" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "baseUrl" TEXT NOT NULL,
    "delivery" TEXT,
    "modelsDir" TEXT,
    "presetPath" TEXT,
    "pathMapJson" TEXT NOT NULL DEFAULT '[]',
    "hostProfileId" INTEGER,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "autoReconcile" BOOLEAN NOT NULL DEFAULT false,
    "status" TEXT NOT NULL DEFAULT 'unknown',
    "version" TEXT,
    "lastError" TEXT,
    "lastPolledAt" DATETIME,
    "lastSeenAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "InferenceHost_hostProfileId_fkey" FOREIGN KEY ("hostProfileId") REFERENCES "HostProfile" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "HostModel" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "hostId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "digest" TEXT,
    "sizeBytes" BIGINT,
    "loaded" BOOLEAN NOT NULL DEFAULT false,
    "loadedBytes" BIGINT,
    "vramBytes" BIGINT,
    "status" TEXT,
    "detailsJson" TEXT NOT NULL DEFAULT '{}',
    "firstSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "HostModel_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "InferenceHost" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Assignment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "modelId" INTEGER NOT NULL,
    "hostId" INTEGER NOT NULL,
    "method" TEXT NOT NULL DEFAULT 'auto',
    "createdBy" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Assignment_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Assignment_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "InferenceHost" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Deployment" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "hostId" INTEGER NOT NULL,
    "modelId" INTEGER,
    "ref" TEXT NOT NULL,
    "hostName" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "hostDigest" TEXT,
    "sizeBytes" BIGINT,
    "pathsJson" TEXT NOT NULL DEFAULT '[]',
    "jobId" INTEGER,
    "confirmedAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Deployment_hostId_fkey" FOREIGN KEY ("hostId") REFERENCES "InferenceHost" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Deployment_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "InferenceHost_name_key" ON "InferenceHost"("name");

-- CreateIndex
CREATE UNIQUE INDEX "HostModel_hostId_name_key" ON "HostModel"("hostId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Assignment_modelId_hostId_key" ON "Assignment"("modelId", "hostId");

-- CreateIndex
CREATE INDEX "Deployment_modelId_idx" ON "Deployment"("modelId");

-- CreateIndex
CREATE UNIQUE INDEX "Deployment_hostId_hostName_key" ON "Deployment"("hostId", "hostName");
