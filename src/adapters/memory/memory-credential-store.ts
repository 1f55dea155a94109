// Credentials kept in memory, for tests and rehearsals.
import type { CredentialRecord, CredentialStore } from '../../ports/index.js';

export class MemoryCredentialStore implements CredentialStore {
  private readonly records = new Map<string, CredentialRecord>();

  addCredential(record: CredentialRecord): Promise<void> {
    if (this.records.has(record.keyId)) return Promise.reject(new Error(`key id ${record.keyId} exists`));
    this.records.set(record.keyId, record);
    return Promise.resolve();
  }

  findCredential(keyId: string): Promise<CredentialRecord | undefined> {
    return Promise.resolve(this.records.get(keyId));
  }

  listCredentials(): Promise<CredentialRecord[]> {
    return Promise.resolve([...this.records.values()]);
  }

  revokeCredential(keyId: string, at: string): Promise<boolean> {
    const record = this.records.get(keyId);
    if (record === undefined) return Promise.resolve(false);
    if (record.revokedAt === undefined) this.records.set(keyId, { ...record, revokedAt: at });
    return Promise.resolve(true);
  }
}
