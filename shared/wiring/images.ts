/**
 * What AMIs declare about IMDS: `ImdsSupport: v2.0` means instances launched
 * from the image get HttpTokens=required unless the launch asks otherwise.
 * Looked up with an `image-id` filter (unknown or deregistered ids are simply
 * absent instead of failing the whole call), batched and paginated.
 */
import { paginateDescribeImages, type EC2Client } from '@aws-sdk/client-ec2';
import type { ImageSupport } from '../engine/pipeline.js';
import { ownInput } from '../aws/batch.js';
import type { PermissionStatement } from '../kinds/edge-types.js';
import { DESCRIBE_REASON } from '../kinds/permissions.js';

/** IAM for the AMI look-up (Describe calls have no resource-level permissions). */
export const IMAGE_PERMISSIONS: PermissionStatement = { sid: 'ReadImageSupport', actions: ['ec2:DescribeImages'], resources: ['*'], reason: DESCRIBE_REASON };

/** Values per filter accepted by EC2 describe calls. */
export const IMAGE_IDS_PER_CALL = 200;


export function createImageSupport(ec2: EC2Client): ImageSupport {
  return async (imageIds) => {
    const ids = [...new Set(imageIds)].filter((id) => id !== '');
    const result = new Map<string, string | undefined>();
    for (let offset = 0; offset < ids.length; offset += IMAGE_IDS_PER_CALL) {
      const batch = ids.slice(offset, offset + IMAGE_IDS_PER_CALL);
      for (const id of batch) result.set(id, undefined);
      const input = { Filters: [{ Name: 'image-id', Values: batch }], IncludeDeprecated: true, IncludeDisabled: true };
      for await (const page of paginateDescribeImages({ client: ec2, pageSize: 1000, withCommand: ownInput }, input)) {
        for (const image of page.Images ?? []) {
          if (image.ImageId) result.set(image.ImageId, image.ImdsSupport);
        }
      }
    }
    return result;
  };
}
