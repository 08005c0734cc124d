/** Zod schemas of the checker API: the guide's request and response shapes. */
import { z } from 'zod';
import { mt5LoginSchema, mt5ServerSchema, printableText } from '../../mt5/identifiers.ts';
import { isValidZone } from '../../rules/days.ts';

/**
 * The caller's ids arrive as strings or numbers depending on its language; kept as strings, and
 * printable (they come back in webhooks, logs and exports).
 */
const idLike = (max: number) =>
  z
    .union([z.string(), z.number().int().nonnegative()], {
      error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string or a non-negative integer'),
    })
    .transform((v) => String(v))
    .pipe(printableText(max));

const reportFilename = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(255)
  .regex(/\.(html?|xlsx)$/i, 'must end in .html, .htm or .xlsx');

/** The guide's request (MT5 credentials): the documented body of POST /api/v1/check. */
export const checkRequestSchema = z
  .object({
    user_id: idLike(200),
    challenge_id: idLike(200),
    mt5_login: mt5LoginSchema,
    mt5_password: z.string().min(1, 'must not be empty').max(128),
    mt5_server: mt5ServerSchema,
    initial_balance: z.number().finite().positive('must be greater than 0').max(1e12),
    /**
     * The guide's flat object ({max_drawdown_percent, profit_target_percent, …}), a list of rule
     * specs ([{type: "max_loss", pct: 10, …}, …]) or a preset ({preset: "ftmo-2step", overrides: {…}}).
     * Validated by the rule engine, which names the offending field.
     */
    rules: z.union([z.array(z.record(z.string(), z.unknown())), z.record(z.string(), z.unknown())]).optional(),
    callback_url: z.string().max(2048).optional().nullable(),
  })
  .strict();

/**
 * What POST /api/v1/check validates: the guide's request, or the same with a terminal
 * report instead of credentials — `report_base64` + `report_filename` in JSON, or a `report`
 * file part in multipart. One object schema with a refinement, so every error names its field.
 */
export const checkSubmitSchema = z
  .object({
    user_id: idLike(200),
    challenge_id: idLike(200),
    mt5_login: mt5LoginSchema.optional(),
    mt5_password: z.string().min(1, 'must not be empty').max(128).optional(),
    mt5_server: mt5ServerSchema.optional(),
    /** A ReportHistory-*.html or .xlsx exported by the trader's terminal, base64-encoded. */
    report_base64: z.string().min(1, 'must not be empty').optional(),
    report_filename: reportFilename.optional(),
    /** The report's broker clock: minutes east of UTC, or an IANA zone (wins). Default 0. */
    server_utc_offset_minutes: z.number().int().min(-720).max(840).optional(),
    server_time_zone: z
      .string()
      .min(1)
      .max(64)
      .refine(isValidZone, 'must be an IANA time zone such as Europe/Athens')
      .optional(),
    initial_balance: z.number().finite().positive('must be greater than 0').max(1e12),
    /**
     * The guide's flat object ({max_drawdown_percent, profit_target_percent, …}), a list of rule
     * specs ([{type: "max_loss", pct: 10, …}, …]) or a preset ({preset: "ftmo-2step", overrides: {…}}).
     * Validated by the rule engine, which names the offending field.
     */
    rules: z.union([z.array(z.record(z.string(), z.unknown())), z.record(z.string(), z.unknown())]).optional(),
    callback_url: z.string().max(2048).optional().nullable(),
  })
  .strict()
  .superRefine((b, ctx) => {
    const need = (field: string, message = 'is required') => ctx.addIssue({ code: 'custom', path: [field], message });
    if (b.report_base64 !== undefined) {
      if (b.report_filename === undefined) need('report_filename', 'is required with report_base64');
      if (b.mt5_password !== undefined) need('mt5_password', 'must not be sent with a report');
    } else {
      if (b.report_filename !== undefined) need('report_base64', 'is required with report_filename');
      if (b.mt5_login === undefined) need('mt5_login');
      if (b.mt5_password === undefined) need('mt5_password');
      if (b.mt5_server === undefined) need('mt5_server');
    }
  });

export type CheckSubmission = z.infer<typeof checkSubmitSchema>;

export const jobIdParams = z.object({ job_id: z.string().min(1).max(64) });

export const submitResponseSchema = z.object({ job_id: z.string(), status: z.literal('queued') });

const jobStatus = z.enum(['queued', 'running', 'passed', 'failed', 'error']);

/** The job view; the result fields appear once the check is done (metrics and violations always). Extra fields are allowed. */
export const jobResponseSchema = z
  .object({
    job_id: z.string(),
    user_id: z.string(),
    challenge_id: z.string(),
    status: jobStatus,
    outcome: z.enum(['passed', 'breached', 'objectives_not_met']).optional(),
    /** Always present: on an error, or before the check ends, the same keys with null values. */
    metrics: z.record(z.string(), z.unknown()),
    /** Always present: empty on an error, or before the check ends. */
    violations: z.array(z.record(z.string(), z.unknown())),
    objectives: z.array(z.record(z.string(), z.unknown())).optional(),
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    timestamp: z.string().optional(),
    created_at: z.string(),
  })
  .passthrough();
