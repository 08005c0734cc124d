export { MetaApiConnector, brokerOffsetMinutes, type MetaApiConfig } from './connector.ts';
