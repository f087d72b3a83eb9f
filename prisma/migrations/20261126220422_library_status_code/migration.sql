-- AlterTable
ALTER TABLE "Library" ADD COLUMN "statusCode" TEXT;
