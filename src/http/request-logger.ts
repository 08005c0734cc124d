/**
 * Per-request loggers that cost nothing until something is logged. Fastify gives every request a
 * pino child bound to its request id; building it (bindings, redaction) is a visible share of the
 * hot read-only routes, while most requests log nothing at the configured level. The child here is
 * made on the first call at an enabled level, and then behaves exactly like pino's.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString, LogFn, Logger } from 'pino';

type Method = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
const METHODS: readonly Method[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

class LazyChildLogger {
  private made: Logger | null = null;
  declare fatal: LogFn;
  declare error: LogFn;
  declare warn: LogFn;
  declare info: LogFn;
  declare debug: LogFn;
  declare trace: LogFn;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly opts: ChildLoggerOptions,
  ) {}

  /** The real child, made once. */
  real(): Logger {
    this.made ??= this.parent.child(this.bindings, this.opts);
    return this.made;
  }

  get level(): LevelWithSilentOrString {
    return this.made ? this.made.level : (this.opts.level ?? this.parent.level);
  }
  set level(level: LevelWithSilentOrString) {
    this.real().level = level;
  }
  silent(): void {}
  child(bindings: Bindings, opts?: ChildLoggerOptions): Logger {
    return this.real().child(bindings, opts);
  }
  isLevelEnabled(level: string): boolean {
    return this.made
      ? this.made.isLevelEnabled(level)
      : this.opts.level
        ? this.real().isLevelEnabled(level)
        : this.parent.isLevelEnabled(level);
  }
}

for (const m of METHODS) {
  Object.defineProperty(LazyChildLogger.prototype, m, {
    value: function (this: LazyChildLogger, ...args: unknown[]) {
      if (!this.isLevelEnabled(m)) return;
      (this.real()[m] as (...a: unknown[]) => void)(...args);
    },
  });
}

/** Fastify's `childLoggerFactory`: a lazily built child bound to the request id. */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  opts: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger as Logger, bindings, opts) as unknown as FastifyBaseLogger;
}
