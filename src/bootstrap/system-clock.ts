// The wall clock, for production. Tests and rehearsals inject their own Clock.
import type { Clock } from '../ports/index.js';

export const systemClock: Clock = { now: () => new Date() };
