/** Reads the media table's stream records (NEW_AND_OLD_IMAGES) as upload and asset changes. */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { logger, withKeys } from '../logger.js';
import { MEDIA_TABLE, parseMediaKey } from '../tables.js';
import type { MediaChange } from '../usecases/notify.js';
import { assetFromItem, uploadFromItem } from './media-items.js';

/** The change a stream record describes, or undefined for items that are not uploads or assets. */
export function mediaChangeOf(record: DynamoDBRecord): MediaChange | undefined {
  const stream = record.dynamodb;
  const pk = stream?.Keys?.[MEDIA_TABLE.partitionKey]?.S;
  const key = pk === undefined ? undefined : parseMediaKey(pk);
  if (!stream || !key || key.kind === 'playback') return undefined;
  const image = (attributes: typeof stream.NewImage) =>
    attributes && unmarshall(attributes as Record<string, AttributeValue>);
  const before = image(stream.OldImage);
  const after = image(stream.NewImage);
  const common = {
    eventId: record.eventID ?? `${pk}:${stream.SequenceNumber}`,
    at: new Date((stream.ApproximateCreationDateTime ?? Date.now() / 1000) * 1000),
  };
  return key.kind === 'upload'
    ? { ...common, kind: 'upload', before: before && uploadFromItem(before), after: after && uploadFromItem(after) }
    : { ...common, kind: 'asset', before: before && assetFromItem(before), after: after && assetFromItem(after) };
}

/**
 * A consumer of the media table's stream: runs `handle` for each upload or asset change in order, with the item's
 * id on every log line. On a failure it reports that record's sequence number and stops, so the stream retries
 * from there and the records before it are not handled twice.
 */
export function mediaStreamConsumer(handle: (change: MediaChange) => Promise<void>, failure: string) {
  return async (event: DynamoDBStreamEvent, context?: Context): Promise<DynamoDBBatchResponse> => {
    if (context) logger.addContext(context);
    for (const record of event.Records) {
      const change = mediaChangeOf(record);
      if (!change) continue;
      const id = (change.after ?? change.before)?.id;
      try {
        await withKeys(change.kind === 'asset' ? { assetId: id } : { uploadId: id }, () => handle(change));
      } catch (err) {
        logger.error(`${failure}; the stream will retry from this record`, { error: err as Error });
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };
}
