// Turns a presented credential into the principal it belongs to.
import type { Principal } from '../core/index.js';

/**
 * Promises: resolves the principal of a valid, unrevoked key and `undefined` for anything
 * else (unknown, revoked, malformed), never saying which. A revocation takes effect within
 * the adapter's documented cache time. Leaves out: what the principal may do.
 */
export interface Authenticator {
  authenticate(token: string): Promise<Principal | undefined>;
  /**
   * The verdict on a recently checked token without waiting: its principal, `false` when it is
   * known to be invalid, `undefined` when `authenticate` must be asked.
   */
  recall?(token: string): Principal | false | undefined;
}
