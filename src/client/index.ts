// The public face of `job-intake/client`: re-exports only.
export { JobIntakeClient, type JobIntakeClientOptions, type SubmitOptions, type WaitOptions } from './client.js';
export {
  AuthenticationError,
  IdempotencyKeyReusedError,
  JobFailedError,
  JobIntakeError,
  JobTimeoutError,
  NotFoundError,
  RequestRefusedError,
  ServiceUnavailableError,
  ValidationError,
} from './errors.js';
export { isValidIdempotencyKey } from './idempotency-key.js';
export type { JobListPage, ListedJob, ListOptions } from './job-list.js';
export type { DefaultJobTypeMap, JobSignature, JobTypeMap, JobTypeMapOf, JobTypeName, PayloadOf, ResultOf } from './job-types.js';
export type { ProblemDetails } from './problem-details.js';
export type { WebhookEvent } from '../shared/callback.js';
export type { FinishedSubmission, JobCallback, JobOptions, JobReceipt, ReceiptTarget, Submission, SubmitResult } from './receipts.js';
export type { RetryOptions } from './retry-policy.js';
export type { RetryNotice } from './transport.js';
export { uuidV7 } from './uuid-v7.js';
export { verifyWebhook, WebhookVerificationError, type VerifyWebhookOptions, type WebhookRequestHeaders } from './verify-webhook.js';
