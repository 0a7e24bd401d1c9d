import { cachedAdminStore } from '../../src/licensing/admins.js';
import type { AdminRecord, AdminStore } from '../../src/licensing/ports.js';

/** An in-memory admin store that counts how often it is asked. */
function countingStore(admins: string[] = []) {
  const stored = new Set(admins);
  const reads: string[] = [];
  const store: AdminStore = {
    async isStoredAdmin(userId) {
      reads.push(userId);
      return stored.has(userId);
    },
    async addAdmin(record: AdminRecord) {
      if (stored.has(record.userId)) return false;
      stored.add(record.userId);
      return true;
    },
    async removeAdmin(userId) {
      return stored.delete(userId);
    },
    async listAdmins() {
      return [...stored].map((userId) => ({ userId, addedBy: 'U0', addedAt: new Date(0) }));
    },
  };
  return { store, reads, stored };
}

describe('the admin cache', () => {
  it('answers from memory for a few seconds, and asks again after', async () => {
    let clock = 0;
    const { store, reads } = countingStore(['UADMIN2']);
    const cached = cachedAdminStore(store, { ttlMs: 5_000, now: () => clock });
    expect(await Promise.all([cached.isStoredAdmin('UADMIN2'), cached.isStoredAdmin('UADMIN2')])).toEqual([true, true]);
    clock = 4_999;
    expect(await cached.isStoredAdmin('UADMIN2')).toBe(true);
    expect(reads).toEqual(['UADMIN2']);
    clock = 5_000;
    expect(await cached.isStoredAdmin('UADMIN2')).toBe(true);
    expect(reads).toEqual(['UADMIN2', 'UADMIN2']);
  });

  it('forgets a user it adds or removes at once', async () => {
    const { store } = countingStore();
    const cached = cachedAdminStore(store, { ttlMs: 60_000 });
    expect(await cached.isStoredAdmin('UNEW')).toBe(false);
    await cached.addAdmin({ userId: 'UNEW', addedBy: 'UADMIN1', addedAt: new Date() });
    expect(await cached.isStoredAdmin('UNEW')).toBe(true);
    await cached.removeAdmin('UNEW');
    expect(await cached.isStoredAdmin('UNEW')).toBe(false);
  });

  it('does not remember a failed read', async () => {
    const { store, reads } = countingStore(['UADMIN2']);
    let fail = true;
    const flaky: AdminStore = {
      ...store,
      isStoredAdmin: async (userId) => (fail ? Promise.reject(new Error('down')) : store.isStoredAdmin(userId)),
    };
    const cached = cachedAdminStore(flaky, { ttlMs: 60_000 });
    await expect(cached.isStoredAdmin('UADMIN2')).rejects.toThrow('down');
    fail = false;
    expect(await cached.isStoredAdmin('UADMIN2')).toBe(true);
    expect(reads).toEqual(['UADMIN2']);
  });
});
