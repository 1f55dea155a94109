// The upcasters Millrace ships: with them, every shipped version of a contract reaches the
// latest shipped version, the one the workflows read (a test keeps the two in step).
import type { Upcaster } from '../upcasting.js';
import { supplierConfirmationV1toV2 } from './supplier-confirmation.upcaster.js';

export const SHIPPED_UPCASTERS: readonly Upcaster[] = [supplierConfirmationV1toV2];
