/** The file is not a terminal report this parser can read; the message says why. */
export class ReportError extends Error {
  override readonly name: string = 'ReportError';
}
