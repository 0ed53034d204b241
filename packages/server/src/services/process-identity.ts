// Who this process is, for the instances table (db/schema): a random id, and where it
// runs precisely enough to tell, after a crash, that a row's process is gone for sure.

import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomText } from '../crypto.ts';

export interface ProcessIdentity {
  id: string;
  /** Host name, kernel boot and pid namespace: equal means pids are comparable. */
  host: string;
  pid: number;
  /** Whether `host` pins the pid namespace (Linux); elsewhere only heartbeats tell. */
  exact: boolean;
}

function linuxLocality(): string | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = readlinkSync('/proc/self/ns/pid');
    return `${boot}/${pidNamespace}`;
  } catch {
    return null;
  }
}

export function currentProcess(): ProcessIdentity {
  const locality = linuxLocality();
  return {
    id: randomText(8),
    host: `${hostname()}|${locality ?? 'unknown'}`,
    pid: process.pid,
    exact: locality !== null,
  };
}

/** Whether a process with this pid exists here (signal 0 only checks). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether a registered instance is certainly gone: on this host and pid namespace its pid
 * is ours or no longer exists, or (anywhere) it stopped beating its heart.
 */
export function isGone(
  instance: { id: string; host: string; pid: number; heartbeatAt: Date },
  me: ProcessIdentity,
  staleBefore: Date,
): boolean {
  if (instance.id === me.id) return false;
  if (me.exact && instance.host === me.host) {
    if (instance.pid === me.pid || !pidAlive(instance.pid)) return true;
  }
  return instance.heartbeatAt.getTime() < staleBefore.getTime();
}
