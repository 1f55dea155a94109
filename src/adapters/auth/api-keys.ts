// API keys: `mr_<keyId>_<secret>`. The key id is stored in clear so a key can be found and
// revoked; the secret is stored only as a SHA-256 hash (it is 256 random bits, so a slow
// password hash would add cost without adding safety) and compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Principal } from '../../core/index.js';
import type { Authenticator, Clock, CredentialStore } from '../../ports/index.js';

const KEY_PATTERN = /^mr_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export interface IssuedKey {
  readonly keyId: string;
  /** The full key. It is shown once and never stored. */
  readonly key: string;
}

export async function issueKey(store: CredentialStore, principal: Principal, clock: Clock, label?: string): Promise<IssuedKey> {
  const keyId = randomBytes(8).toString('hex').slice(0, 12);
  const secret = randomBytes(32).toString('base64url');
  await store.addCredential({
    keyId,
    principal,
    secretHash: hashSecret(secret),
    createdAt: clock.now().toISOString(),
    ...(label === undefined ? {} : { label }),
  });
  return { keyId, key: `mr_${keyId}_${secret}` };
}

function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export interface ApiKeyAuthenticatorOptions {
  /**
   * How long a verified key is trusted without asking the store again. A revocation takes
   * effect within this time; 0 asks the store on every request.
   */
  readonly cacheMs?: number;
}

export class ApiKeyAuthenticator implements Authenticator {
  private readonly cache = new Map<string, { principal: Principal | undefined; until: number }>();
  private readonly cacheMs: number;

  constructor(
    private readonly store: CredentialStore,
    private readonly clock: Clock,
    options: ApiKeyAuthenticatorOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 5_000;
  }

  recall(token: string): Principal | false | undefined {
    const cached = this.cache.get(token);
    if (cached === undefined || cached.until <= this.clock.now().getTime()) return undefined;
    return cached.principal ?? false;
  }

  async authenticate(token: string): Promise<Principal | undefined> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(token);
    if (cached !== undefined && cached.until > now) return cached.principal;
    const principal = await this.verify(token);
    if (this.cacheMs > 0) {
      // Bound the cache: a flood of random tokens must not grow memory without limit.
      if (this.cache.size >= 10_000) this.cache.clear();
      this.cache.set(token, { principal, until: now + this.cacheMs });
    }
    return principal;
  }

  private async verify(token: string): Promise<Principal | undefined> {
    const match = KEY_PATTERN.exec(token);
    if (match === null) return undefined;
    const [, keyId, secret] = match as unknown as [string, string, string];
    const record = await this.store.findCredential(keyId);
    if (record === undefined || record.revokedAt !== undefined) return undefined;
    const expected = Buffer.from(record.secretHash, 'hex');
    const presented = Buffer.from(hashSecret(secret), 'hex');
    return expected.length === presented.length && timingSafeEqual(expected, presented) ? record.principal : undefined;
  }
}
