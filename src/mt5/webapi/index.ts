export { WebApiConnector, type WebApiConfig } from './connector.ts';
export { managerDealReason, MANAGER_DEAL_REASONS } from './decode.ts';
export { passwordHash, randAnswer } from './auth.ts';
