/** Readings from Linux's /proc text files, parsed from what the kernel writes. */

/** VmRSS from /proc/<pid>/status, in KiB (null when absent). */
export function parseVmRssKiB(status: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : null;
}

/**
 * Private memory from /proc/<pid>/smaps_rollup (Private_Clean + Private_Dirty: pages no other process maps), in KiB.
 * Unlike Pss it does not change with how many other processes (other browsers on a shared machine) map the same
 * libraries.
 */
export function parsePrivateKiB(smapsRollup: string): number | null {
  const clean = /^Private_Clean:\s+(\d+)\s+kB/m.exec(smapsRollup);
  const dirty = /^Private_Dirty:\s+(\d+)\s+kB/m.exec(smapsRollup);
  return clean && dirty ? Number(clean[1]) + Number(dirty[1]) : null;
}

/** The soft "Max open files" limit from /proc/<pid>/limits (null when absent or unlimited). */
export function parseOpenFileLimit(limits: string): number | null {
  const match = /^Max open files\s+(\d+)/m.exec(limits);
  return match ? Number(match[1]) : null;
}

/**
 * User + system CPU seconds from /proc/<pid>/stat, given the clock tick rate (100 on every Linux we run on). The
 * command name (field 2) may hold spaces and parentheses, so fields are counted from its last ')'.
 */
export function parseCpuSeconds(stat: string, ticksPerSecond = 100): number | null {
  const end = stat.lastIndexOf(')');
  if (end < 0) return null;
  const fields = stat.slice(end + 2).split(' ');
  // Fields 14 (utime) and 15 (stime), counted from 1 with the state (field 3) first after the name.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) && fields.length > 12 ? (utime + stime) / ticksPerSecond : null;
}
