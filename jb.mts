import { SimulatorConnector } from './src/mt5/simulator/simulator.ts';
import { judgeHistory } from './src/modules/checks/check.verdict.ts';
import { resolveRuleSet } from './src/rules/ruleset.ts';
import { assertConsistent } from './src/mt5/consistency.ts';
import { evaluate } from './src/rules/index.ts';
const s = new SimulatorConnector();
const hs = [];
for (const login of ['1001','1002','1003','1004','1005']) hs.push(await s.fetchHistory({ login, password: 'demo', server: 'Brymix-Demo' }));
const rules = resolveRuleSet({ max_drawdown_percent: 10.0, profit_target_percent: 10.0 } as any, {});
const job: any = { id: 'job_x', user_id: 'u', challenge_id: 'c', mt5_login: '1001', mt5_server: 'Brymix-Demo', initial_balance: 100000, rules: JSON.stringify(rules), tenant_id: 't', created_at: Date.now(), started_at: Date.now() };
function bench(name: string, f: (h: any) => void) {
  for (let i = 0; i < 500; i++) f(hs[i % 5]);
  const c = process.cpuUsage(); const N = 3000;
  for (let i = 0; i < N; i++) f(hs[i % 5]);
  const u = process.cpuUsage(c); console.log(name.padEnd(12), ((u.user + u.system) / N).toFixed(0), 'µs');
}
bench('judge', (h) => judgeHistory(h, job, Date.now(), 'x'));
bench('consistent', (h) => assertConsistent(h, {}, { source: 'x' }));
bench('evaluate', (h) => evaluate(h, rules, { initialBalance: 100000 }));
bench('eval-nohash', (h) => evaluate(h, rules, { initialBalance: 100000, hash: false }));
bench('stringify', (h) => JSON.stringify(h));
for (const h of hs) console.log(h.deals.length, h.equity.length, h.positions?.length, JSON.stringify(h.equity[0]), JSON.stringify(h.deals[0]));
