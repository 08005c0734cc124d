export * from './connector.ts';
export * from './router.ts';
export type * from './history.ts';
