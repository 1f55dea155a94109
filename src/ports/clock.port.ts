// Time enters the hub only through this port, so tests and replays can drive it.

export interface Clock {
  /** The current instant. */
  now(): Date;
}
