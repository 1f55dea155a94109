// Every code an exception can have: those the P2P and plant workflows and the edge raise. The
// manifest's exceptionOwners is checked against it, and `GET /v1/exceptions?code=` takes only these.
import { EDGE_EXCEPTION_CODES } from '../edge/edge-owners.js';
import { P2P_EXCEPTION_CODES } from '../p2p/p2p-policy.js';
import { PLANT_EXCEPTION_CODES } from '../plant/plant-policy.js';

export const EXCEPTION_CODES: readonly string[] = [...new Set<string>([...P2P_EXCEPTION_CODES, ...PLANT_EXCEPTION_CODES, ...EDGE_EXCEPTION_CODES])];
