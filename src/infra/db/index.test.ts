import { describe, expect, it } from 'vitest';
import { dropStorage, newStorage, servicesMode, testConfig } from '../../../test/storage.ts';
import { migrate, openDb, pingDb } from './index.ts';

describe.skipIf(!servicesMode)('openDb on PostgreSQL', () => {
  it('several processes opening and migrating one new schema at once all succeed', async () => {
    const storage = newStorage();
    const config = testConfig({ DATA_DIR: storage.dataDir });
    try {
      const handles = await Promise.all(
        Array.from({ length: 6 }, () =>
          openDb({ databaseUrl: config.DATABASE_URL, dataDir: storage.dataDir, pgSchema: storage.pgSchema }),
        ),
      );
      try {
        await Promise.all(handles.map((h) => migrate(h.db)));
        expect(await Promise.all(handles.map((h) => pingDb(h.db)))).toEqual(handles.map(() => true));
      } finally {
        await Promise.all(handles.map((h) => h.close()));
      }
    } finally {
      await dropStorage(storage);
    }
  });
});
