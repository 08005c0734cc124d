export * from './connector.ts';
export type * from './history.ts';
export * from './router.ts';
