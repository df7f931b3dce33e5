// Registers the order search attributes (OrderStatus, Channel, NeedsAttention, ExternalOrderId) on a cluster that
// lacks them, so operators can filter orders in the Temporal UI. Safe to run at every start.
import type { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { status } from '@grpc/grpc-js';
import { SEARCH_ATTRIBUTES } from '../contract/workflow';

const { temporal } = proto; // CommonJS package: default import works under both tsx and jest's ESM mode
const TYPES = {
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  Bool: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
} as const;

/** Adds whichever order search attributes the namespace does not have yet. */
export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  let known = new Set<string>();
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    known = new Set(Object.keys(existing.customAttributes ?? {}));
  } catch (err) {
    // The time-skipping test server implements AddSearchAttributes but not ListSearchAttributes.
    if ((err as { code?: number }).code !== status.UNIMPLEMENTED) throw err;
  }
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !known.has(name));
  if (missing.length === 0) return [];
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, TYPES[type]])),
  });
  return missing.map(([name]) => name);
}
