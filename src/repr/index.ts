/** repr: rows, datums, scalar types, relation descriptions and the time vocabulary, shared by all layers. */
export * from './types.ts';
export * from './datum.ts';
export * from './row.ts';
export * from './time.ts';
export * from './text.ts';
export * from './codec.ts';
export * from './jsonb.ts';
export * from './timezone.ts';
export * from './jsonb-order.ts';
