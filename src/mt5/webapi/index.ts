export { WebApiConnector } from './connector.ts';
