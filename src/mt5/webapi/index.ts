export { WebApiConnector, managerDealReason, MANAGER_DEAL_REASONS, type WebApiConfig } from './connector.ts';
export { passwordHash, randAnswer } from './auth.ts';
