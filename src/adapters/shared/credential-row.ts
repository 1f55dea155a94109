// The credentials table has the same columns in every SQL store.
import type { OperatorRole, PrincipalKind } from '../../core/index.js';
import type { CredentialRecord } from '../../ports/index.js';

export interface CredentialRow {
  key_id: string;
  principal_kind: string;
  principal_id: string;
  secret_hash: string;
  label: string | null;
  role: string | null;
  created_at: string;
  revoked_at: string | null;
}

export const CREDENTIALS_TABLE = `
CREATE TABLE IF NOT EXISTS credentials (
  key_id TEXT PRIMARY KEY,
  principal_kind TEXT NOT NULL,
  principal_id TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  label TEXT,
  role TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT
);
`;

export function toCredential(row: CredentialRow): CredentialRecord {
  return {
    keyId: row.key_id,
    principal: { kind: row.principal_kind as PrincipalKind, id: row.principal_id, ...(row.role === null ? {} : { role: row.role as OperatorRole }) },
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    ...(row.revoked_at === null ? {} : { revokedAt: row.revoked_at }),
    ...(row.label === null ? {} : { label: row.label }),
  };
}
