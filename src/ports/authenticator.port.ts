// Turns a presented credential into the principal it belongs to.
import type { Principal } from '../core/index.js';

/**
 * Promises: resolves the principal of a valid, unrevoked key and `undefined` for anything
 * else (unknown, revoked, malformed), never saying which. A revocation takes effect within
 * the adapter's documented cache time. Leaves out: what the principal may do.
 */
export interface Authenticator {
  authenticate(token: string): Promise<Principal | undefined>;
}
