/**
 * A CPU profile of a bench's measured window only (not its set-up): BENCH_PROFILE=<file.cpuprofile>
 * starts V8's sampling profiler in this thread when the window opens and writes the profile when it
 * closes (open it in Chrome DevTools' Performance panel, or `node --cpu-prof`'s usual tools).
 */
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';

export async function profileWindow(): Promise<() => Promise<void>> {
  const file = process.env.BENCH_PROFILE;
  if (!file) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(file, JSON.stringify(profile));
    session.disconnect();
    console.error(`cpu profile of the measured window: ${file}`);
  };
}
