import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type TestStack } from '../test/harness.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startStack({ workers: false });
});
afterAll(() => stack.close());

describe('static assets', () => {
  it('serves shared styles and the charting library for browser pages', async () => {
    const css = await stack.app.inject('/static/shared/base.css');
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toContain('text/css');
    const lib = await stack.app.inject('/static/vendor/lightweight-charts.js');
    expect(lib.statusCode).toBe(200);
    expect(lib.body).toContain('LightweightCharts');
    expect((await stack.app.inject('/static/../package.json')).statusCode).toBe(404);
  });
});
