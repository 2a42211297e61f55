/**
 * A LAN-like address for the test's network namespace: a veth pair whose one end carries 10.77.0.1/24, so the server
 * sees a non-loopback interface (as on a home network) and clients can call from an address that is not loopback.
 * Only inside scripts/in-netns.mjs's namespace: on a real machine this would change the host's network.
 */
import { execFileSync } from 'node:child_process';

/** The address given to the namespace's LAN-like interface. */
export const LAN_ADDRESS = '10.77.0.1';

/** Add the interface; returns a function that removes it. */
export function addLanAddress(): () => void {
  if (process.env['PAWCAM_IN_NETNS'] !== '1') throw new Error('addLanAddress only runs inside scripts/in-netns.mjs (it changes the network)');
  const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: 'pipe' });
  ip('link', 'add', 'pawlan0', 'type', 'veth', 'peer', 'name', 'pawlan1');
  // No IPv6 link-local addresses: the kernel would add them a moment after the link comes up, and Chromium, started
  // meanwhile, counts that as a network change and aborts or reloads the page it is loading.
  ip('link', 'set', 'pawlan0', 'addrgenmode', 'none');
  ip('link', 'set', 'pawlan1', 'addrgenmode', 'none');
  ip('addr', 'add', `${LAN_ADDRESS}/24`, 'dev', 'pawlan0');
  ip('link', 'set', 'pawlan0', 'up');
  ip('link', 'set', 'pawlan1', 'up');
  return () => ip('link', 'del', 'pawlan0');
}
