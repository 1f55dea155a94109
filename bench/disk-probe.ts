// How long this machine's disk takes to make a small write durable: the fsync that every group
// commit of the baseline and of the hub waits for. Intake figures move with it (a commit holds
// the event loop for one), so the benchmark records it beside them: runs on a disk whose fsync
// takes 0.4 ms are not comparable with runs on one that takes 0.13 ms.
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface FsyncProbe {
  readonly samples: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

/** Times `samples` fsyncs of a 16 KiB overwrite each (a WAL's frames), in a file under `dir`. */
export function probeFsync(dir: string, samples = 300): FsyncProbe {
  const path = join(dir, 'fsync-probe');
  const block = Buffer.alloc(16 * 1024, 0x5a);
  const span = 4 * 1024 * 1024;
  const fd = openSync(path, 'w+');
  try {
    // Written and synced once first: the probe then overwrites, as a rewound WAL does.
    for (let at = 0; at < span; at += block.length) writeSync(fd, block, 0, block.length, at);
    fsyncSync(fd);
    const times: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      writeSync(fd, block, 0, block.length, (i * block.length) % span);
      const started = process.hrtime.bigint();
      fsyncSync(fd);
      times.push(Number(process.hrtime.bigint() - started) / 1000);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN);
    return { samples, p50Us: at(0.5), p99Us: at(0.99) };
  } finally {
    closeSync(fd);
    rmSync(path, { force: true });
  }
}
