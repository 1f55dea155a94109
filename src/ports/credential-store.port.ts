// Stored API credentials. Only a hash of each secret is kept; the secret is shown once at creation.
import type { Principal } from '../core/index.js';

export interface CredentialRecord {
  readonly keyId: string;
  readonly principal: Principal;
  /** Hex SHA-256 of the secret part of the key. */
  readonly secretHash: string;
  readonly createdAt: string;
  readonly revokedAt?: string;
  readonly label?: string;
}

/**
 * Promises: `add` fails if the key id exists; `revoke` is idempotent and returns whether a
 * key with that id exists. Leaves out: generating and verifying keys (the authenticator does).
 */
export interface CredentialStore {
  addCredential(record: CredentialRecord): Promise<void>;
  findCredential(keyId: string): Promise<CredentialRecord | undefined>;
  listCredentials(): Promise<CredentialRecord[]>;
  revokeCredential(keyId: string, at: string): Promise<boolean>;
}
