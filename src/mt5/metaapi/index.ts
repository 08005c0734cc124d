export { MetaApiConnector, type MetaApiConfig } from './connector.ts';
