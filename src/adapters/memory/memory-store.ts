// Event log and credentials in memory: the whole HubStore for tests and rehearsals.
import type { CredentialRecord, CredentialStore } from '../../ports/index.js';
import { MemoryCredentialStore } from './memory-credential-store.js';
import { MemoryEventStore } from './memory-event-store.js';

export class MemoryStore extends MemoryEventStore implements CredentialStore {
  private readonly credentials = new MemoryCredentialStore();

  addCredential(record: CredentialRecord): Promise<void> {
    return this.credentials.addCredential(record);
  }

  findCredential(keyId: string): Promise<CredentialRecord | undefined> {
    return this.credentials.findCredential(keyId);
  }

  listCredentials(): Promise<CredentialRecord[]> {
    return this.credentials.listCredentials();
  }

  revokeCredential(keyId: string, at: string): Promise<boolean> {
    return this.credentials.revokeCredential(keyId, at);
  }
}
