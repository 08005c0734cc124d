/** Before a browser-test run: the screenshots folder holds only this run's pictures. */
import { rmSync } from 'node:fs';
import { SCREENSHOTS } from './browser.ts';

export default function setup(): void {
  rmSync(SCREENSHOTS, { recursive: true, force: true });
}
