export { WebApiConnector, type WebApiConfig } from './connector.ts';
