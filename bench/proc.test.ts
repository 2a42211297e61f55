import { describe, expect, it } from 'vitest';
import { parseCpuSeconds, parseOpenFileLimit, parsePrivateKiB, parseVmRssKiB } from './proc.ts';

describe('/proc parsing', () => {
  it('reads utime + stime even when the command name has spaces and parentheses', () => {
    const stat = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194560 5000 0 0 0 250 75 0 0 20 0 11 0 1000 1000000 20000 18446744073709551615';
    expect(parseCpuSeconds(stat)).toBe(3.25);
    expect(parseCpuSeconds('garbage')).toBeNull();
    expect(parseCpuSeconds('1 (x) S 1 2')).toBeNull();
  });

  it('reads VmRSS and the open-file limit', () => {
    expect(parseVmRssKiB('Name:\tnode\nVmPeak:\t 9000 kB\nVmRSS:\t  163352 kB\n')).toBe(163352);
    expect(parseVmRssKiB('Name:\tnode\n')).toBeNull();
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n';
    expect(parseOpenFileLimit(limits)).toBe(20000);
    expect(parseOpenFileLimit('Max open files            unlimited            unlimited            files\n')).toBeNull();
  });

  it('reads private memory (clean + dirty), not Rss or Pss, from smaps_rollup', () => {
    const rollup =
      '55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:              204800 kB\nPss:              150321 kB\nShared_Clean:      60000 kB\nPrivate_Clean:      1200 kB\nPrivate_Dirty:     88000 kB\n';
    expect(parsePrivateKiB(rollup)).toBe(89200);
    expect(parsePrivateKiB('Rss: 1 kB\nPrivate_Dirty: 5 kB\n')).toBeNull();
  });
});
