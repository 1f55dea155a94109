// A bound on how long a probe or a scrape waits for the store: a database behind a network
// partition takes the connection and never answers, and the caller waited with it.

/** `work`, or a rejection with `message` once `ms` have passed without its answer (`work` still runs). */
export function answeredWithin<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
