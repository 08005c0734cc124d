/**
 * Manager API return codes (`EnMTAPIRetcode`) the connector acts on. Answers carry them with
 * their text, as in "12 Too frequent requests".
 */
const MT_RET_ERR_NETWORK = 7;
export const MT_RET_ERR_TIMEOUT = 9;
const MT_RET_ERR_CONNECTION = 10;
const MT_RET_ERR_NOSERVICE = 11;
export const MT_RET_ERR_FREQUENT = 12;
const MT_RET_ERR_NOTFOUND = 13;
const MT_RET_ERR_SHUTDOWN = 15;

/** The server's own passing trouble: the read ends with a retryable error and the job queue tries later. */
export const TRANSIENT_RETCODES: ReadonlySet<number> = new Set([
  MT_RET_ERR_NETWORK,
  MT_RET_ERR_TIMEOUT,
  MT_RET_ERR_CONNECTION,
  MT_RET_ERR_NOSERVICE,
  MT_RET_ERR_SHUTDOWN,
]);

/** A command the server answered with a retcode other than `0 Done`. */
export class RetcodeError extends Error {
  constructor(
    readonly retcode: string,
    readonly path: string,
  ) {
    super(`MT5 Web API ${path}: ${retcode}`);
  }
  get code(): number {
    return Number.parseInt(this.retcode, 10);
  }
}

/** `13 Not found`: no such user, group, trade state or daily report. */
export function isNotFound(err: unknown): boolean {
  return err instanceof RetcodeError && err.code === MT_RET_ERR_NOTFOUND;
}
