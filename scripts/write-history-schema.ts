// Regenerates docs/history.schema.json from src/mt5/history.schema.ts: npx tsx scripts/write-history-schema.ts
import { writeFileSync } from 'node:fs';
import { historyJsonSchema } from '../src/mt5/history.schema.ts';

writeFileSync('docs/history.schema.json', `${JSON.stringify(historyJsonSchema(), null, 2)}\n`);
console.log('wrote docs/history.schema.json');
