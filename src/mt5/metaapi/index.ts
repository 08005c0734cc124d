export { type MetaApiConfig, MetaApiConnector } from './connector.ts';
