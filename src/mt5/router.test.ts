import { describe, expect, it } from 'vitest';
import { ConnectorError, type Mt5Connector } from './connector.ts';
import { createConnectorRouter } from './router.ts';
import { SimulatorConnector } from './simulator/simulator.ts';

describe('connector router', () => {
  const simulator = new SimulatorConnector();
  const router = createConnectorRouter({ 'Brymix-Demo': simulator });

  it('picks the connector serving a server name', () => {
    expect(router.forServer('Brymix-Demo')).toBe(simulator);
    expect(router.servers()).toEqual(['Brymix-Demo']);
  });

  it('throws unknown_server, not retryable, for a server nobody serves', () => {
    let err: unknown;
    try {
      router.forServer('Nope-Live');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ code: 'unknown_server', retryable: false });
    expect((err as Error).message).toContain('Nope-Live');
  });

  it('does not mistake Object prototype names for servers', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'brymix-demo']) {
      expect(() => router.forServer(name)).toThrow(ConnectorError);
    }
  });

  it('dispatches calls by the credentials’ server and rejects (not throws) for an unknown one', async () => {
    const info = await router.getAccountInfo({ login: '1001', password: 'demo', server: 'Brymix-Demo' });
    expect(info.login).toBe('1001');
    const pending = router.fetchHistory({ login: '1001', password: 'demo', server: 'Elsewhere' });
    await expect(pending).rejects.toMatchObject({ code: 'unknown_server' });
  });

  it('never puts the password into an error message', async () => {
    const password = 'S3cr3t-Pa55';
    for (const login of ['1001', '1099', '']) {
      const err = await router.fetchHistory({ login, password, server: 'Brymix-Demo' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConnectorError);
      expect(`${String(err)} ${JSON.stringify(err)}`).not.toContain(password);
    }
  });

  it('serves only the servers it names when it has no fallback', () => {
    expect(router.serves('Brymix-Demo')).toBe(true);
    for (const name of ['Nope-Live', '*', '__proto__', 'brymix-demo']) expect(router.serves(name)).toBe(false);
  });

  it('serves a server that only the "*" fallback serves, and routes it there', async () => {
    const fallback: Mt5Connector = new SimulatorConnector({ server: 'AnyBroker-Live' });
    const withFallback = createConnectorRouter({ 'Brymix-Demo': simulator }, fallback);
    expect(withFallback.servers()).toEqual(['Brymix-Demo']);
    expect(withFallback.serves('AnyBroker-Live')).toBe(true);
    expect(withFallback.serves('Brymix-Demo')).toBe(true);
    expect(withFallback.forServer('AnyBroker-Live')).toBe(fallback);
    expect(withFallback.forServer('Brymix-Demo')).toBe(simulator);
    await expect(
      withFallback.getPositions({ login: '1001', password: 'demo', server: 'AnyBroker-Live' }),
    ).resolves.toEqual([]);
  });
});
