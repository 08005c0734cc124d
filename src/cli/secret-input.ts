/**
 * Reads a secret for a CLI command without putting it on the command line, where every user of
 * the machine sees it in `ps` and it lands in shell history. In order: `--password-stdin` (the
 * first line of standard input, as `docker login --password-stdin` reads it), an environment
 * variable, a prompt with echo off when a person is at the terminal, and last the `--password`
 * flag, which still works for scripts but warns.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { AppError } from '../http/errors.ts';

export interface SecretSource {
  /** The value of `--password`, if given. */
  flag?: string | undefined;
  /** `--password-stdin` was given. */
  fromStdin?: boolean | undefined;
  /** Environment variable that may hold it (its value, read by the caller). */
  envName: string;
  envValue?: string | undefined;
  /** What the prompt asks for, e.g. "Investor password". */
  label: string;
  warn: (line: string) => void;
  stdin?: NodeJS.ReadStream;
}

export async function readSecret(s: SecretSource): Promise<string> {
  const stdin = s.stdin ?? process.stdin;
  if (s.fromStdin) return firstLine(stdin, s.label);
  if (s.envValue) return s.envValue;
  if (s.flag !== undefined) {
    s.warn(
      `warning: --password is visible to every user of this machine (ps) and in shell history; prefer --password-stdin or ${s.envName}`,
    );
    return s.flag;
  }
  if (stdin.isTTY) return prompt(stdin, s.label);
  throw new AppError(
    'validation_failed',
    `${s.label} is required: pipe it with --password-stdin, set ${s.envName}, or run in a terminal to be asked`,
    {
      errors: [{ field: 'password', message: 'is required' }],
    },
  );
}

async function firstLine(stdin: NodeJS.ReadableStream, label: string): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n') || text.length > 4096) break;
  }
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line)
    throw new AppError('validation_failed', `${label}: standard input held no password`, {
      errors: [{ field: 'password', message: 'is empty' }],
    });
  return line;
}

async function prompt(stdin: NodeJS.ReadStream, label: string): Promise<string> {
  let muted = false;
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!muted) process.stderr.write(chunk);
      cb();
    },
  });
  const rl = createInterface({ input: stdin, output: out, terminal: true });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(`${label}: `, resolve);
      muted = true;
    });
    process.stderr.write('\n');
    if (!answer)
      throw new AppError('validation_failed', `${label}: nothing was typed`, {
        errors: [{ field: 'password', message: 'is empty' }],
      });
    return answer;
  } finally {
    rl.close();
  }
}
