/**
 * Multipart upload for large objects, as create-only as S3 allows.
 *
 * Gap (measured on Ceph radosgw 16.2 "Pacific"): radosgw ignores `If-None-Match: *` on
 * CompleteMultipartUpload (and on CreateMultipartUpload and CopyObject); AWS S3 honours it
 * on Complete. So we (1) HEAD before starting, (2) HEAD again just before completing, and
 * (3) send `If-None-Match: *` on Complete anyway. On radosgw a put racing with another put
 * of the same name between (2) and the completion can still overwrite it (last one wins).
 * Readers never see a partial object either way: completion is atomic. Callers whose names
 * are content-derived (packs) are unaffected; others should stay under the threshold.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import type { CompletedPart, S3Client } from "@aws-sdk/client-s3";
import { ObjectExistsError } from "../errors.ts";
import { isMissingObject, mapS3Error } from "./errors.ts";

/** What a multipart upload needs from the adapter. */
export interface MultipartTarget {
  client: S3Client;
  bucket: string;
  key: string;
  /** The object name, for errors. */
  name: string;
  partSize: number;
  partConcurrency: number;
}

/** Throws `ObjectExistsError` if the key exists. */
async function assertAbsent(t: MultipartTarget): Promise<void> {
  try {
    await t.client.send(new HeadObjectCommand({ Bucket: t.bucket, Key: t.key }));
  } catch (error) {
    if (isMissingObject(error)) return;
    throw mapS3Error(error, "put", t.name);
  }
  throw new ObjectExistsError(t.name);
}

/** Uploads `data` in parts of `partSize` bytes, `partConcurrency` at a time, in order of part number. */
async function uploadParts(t: MultipartTarget, uploadId: string, data: Uint8Array): Promise<CompletedPart[]> {
  const count = Math.max(1, Math.ceil(data.length / t.partSize));
  const parts: CompletedPart[] = new Array<CompletedPart>(count);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < count && !failed) {
      const i = next++;
      const body = data.subarray(i * t.partSize, Math.min(data.length, (i + 1) * t.partSize));
      const r = await t.client
        .send(
          new UploadPartCommand({
            Bucket: t.bucket,
            Key: t.key,
            UploadId: uploadId,
            PartNumber: i + 1,
            Body: body,
          }),
        )
        .catch((error: unknown) => {
          failed = true; // the other workers stop taking parts; the upload gets aborted
          throw error;
        });
      parts[i] = { PartNumber: i + 1, ETag: r.ETag, ChecksumCRC32: r.ChecksumCRC32 };
    }
  };
  await Promise.all(Array.from({ length: Math.min(t.partConcurrency, count) }, worker));
  return parts;
}

/** Create-only multipart put (see the module comment for the radosgw gap). */
export async function putMultipart(t: MultipartTarget, data: Uint8Array): Promise<void> {
  await assertAbsent(t);
  let uploadId: string | undefined;
  try {
    const created = await t.client.send(new CreateMultipartUploadCommand({ Bucket: t.bucket, Key: t.key }));
    uploadId = created.UploadId;
    if (!uploadId) throw new Error("S3 returned no UploadId");
    const parts = await uploadParts(t, uploadId, data);
    await assertAbsent(t);
    await t.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: t.bucket,
        Key: t.key,
        UploadId: uploadId,
        IfNoneMatch: "*",
        MultipartUpload: { Parts: parts },
      }),
    );
  } catch (error) {
    // Parts of an upload that never completes are billed and invisible: abort it. If the
    // completion did happen and only its answer was lost, the abort fails harmlessly.
    if (uploadId) {
      await t.client.send(new AbortMultipartUploadCommand({ Bucket: t.bucket, Key: t.key, UploadId: uploadId })).catch(() => {});
    }
    throw error instanceof ObjectExistsError ? error : mapS3Error(error, "put", t.name);
  }
}
