// What `millrace keys add|list|revoke` do (declared in keys.command.ts): a key is printed once,
// only its hash is stored.
import type { HubStore } from '../bootstrap/index.js';
import { issueKey, loadSetup, openStore, processEnvironment, systemClock } from '../bootstrap/index.js';
import type { Principal } from '../core/index.js';
import { MillraceError } from '../core/index.js';
import type { CommonOptions } from './flags.js';
import { configFlags, printJson, usageError } from './flags.js';

export interface KeyOptions extends CommonOptions {
  readonly system?: string;
  readonly partner?: string;
  readonly operator?: string;
  readonly role?: string;
  readonly label?: string;
}

export async function addKey(options: KeyOptions): Promise<void> {
  const principal = principalOf(options);
  await withStore(options, 'intake', async (store) => {
    const issued = await issueKey(store, principal, systemClock, options.label);
    if (options.json === true) printJson({ keyId: issued.keyId, key: issued.key, principal });
    else process.stdout.write(`${issued.key}\n(key id ${issued.keyId} for ${principal.kind} ${principal.id}; store it now, it is not shown again)\n`);
  }, principal);
}

export async function listKeys(options: KeyOptions): Promise<void> {
  // Only read: a store that does not exist is refused, not created empty to list nothing.
  await withStore(options, 'reader', async (store) => {
    const list = (await store.listCredentials()).map((record) => ({
      keyId: record.keyId,
      kind: record.principal.kind,
      id: record.principal.id,
      ...(record.principal.role === undefined ? {} : { role: record.principal.role }),
      createdAt: record.createdAt,
      ...(record.revokedAt === undefined ? {} : { revokedAt: record.revokedAt }),
      ...(record.label === undefined ? {} : { label: record.label }),
    }));
    if (options.json === true) {
      printJson({ keys: list });
      return;
    }
    if (list.length === 0) process.stdout.write('no keys\n');
    for (const key of list) {
      process.stdout.write(`${key.keyId}  ${key.kind}:${key.id}  created ${key.createdAt}${key.revokedAt === undefined ? '' : `  REVOKED ${key.revokedAt}`}\n`);
    }
  });
}

export async function revokeKey(keyId: string, options: KeyOptions): Promise<void> {
  // A key can only be revoked in a store that exists (its id was listed there).
  await withStore(options, 'reader', async (store) => {
    const found = await store.revokeCredential(keyId, systemClock.now().toISOString());
    if (!found) throw new MillraceError('not_found', `no key with id ${keyId}`);
    if (options.json === true) printJson({ revoked: keyId });
    else process.stdout.write(`revoked ${keyId}\n`);
  });
}

function principalOf(options: KeyOptions): Principal {
  const given = [options.system, options.partner, options.operator].filter((value) => value !== undefined);
  if (given.length !== 1) usageError('give exactly one of --system <id>, --partner <id> or --operator <name>');
  // A partner key "with --role viewer" was issued as a full partner key, which publishes.
  if (options.role !== undefined && options.operator === undefined) {
    usageError('--role is for --operator keys; a system or partner key may do what the manifest lets that system or partner do');
  }
  if (options.system !== undefined) return { kind: 'system', id: options.system };
  if (options.partner !== undefined) return { kind: 'partner', id: options.partner };
  const role = options.role ?? 'operator';
  if (role !== 'viewer' && role !== 'operator') usageError(`--role must be viewer or operator, not "${role}"`);
  const id = options.operator ?? '';
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(id)) usageError(`--operator must be a lower-case name such as ap-lead or j.smith, not ${JSON.stringify(id)}`);
  return { kind: 'operator', id, role };
}

/**
 * Runs `run` on the store the setup names. A key for a system or partner the manifest does not
 * declare is refused first: opened for writing, the store (file, or schema and tables) was
 * created by the very command that refused.
 */
async function withStore(options: KeyOptions, role: 'intake' | 'reader', run: (store: HubStore) => Promise<void>, principal?: Principal): Promise<void> {
  const setup = loadSetup(configFlags(options), processEnvironment(), 'on first use');
  const declared = new Set([...setup.manifest.systems.map((s) => `system:${s.id}`), ...setup.manifest.partners.map((p) => `partner:${p.id}`)]);
  if (principal !== undefined && principal.kind !== 'operator' && !declared.has(`${principal.kind}:${principal.id}`)) {
    throw new MillraceError('invalid_request', `${principal.kind} "${principal.id}" is not declared in the manifest`);
  }
  const store = await openStore(setup.config.store, role);
  try {
    await run(store);
  } finally {
    await store.close();
  }
}
