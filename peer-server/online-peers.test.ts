import type { IClient } from 'peer';
import { describe, expect, it } from 'vitest';
import { OnlinePeers } from './online-peers.ts';

const client = (id: string, token: string) => ({ getId: () => id, getToken: () => token }) as IClient;

describe('OnlinePeers', () => {
  it('counts registered clients once per ID', () => {
    const peers = new OnlinePeers();
    const a = client('cam-a', 't1');
    peers.add(a);
    peers.add(a);
    peers.add(client('viewer-b', 't2'));
    expect(peers.count).toBe(2);
    peers.remove(a);
    expect(peers.count).toBe(1);
  });

  it('ignores a disconnect from a client object that no longer holds the ID', () => {
    const peers = new OnlinePeers();
    const old = client('cam-a', 't1');
    peers.add(old);
    const current = client('cam-a', 't1');
    peers.add(current);
    peers.remove(old);
    expect(peers.holds('cam-a', 't1')).toBe(true);
  });

  it('tells the token holder from anyone else', () => {
    const peers = new OnlinePeers();
    peers.add(client('cam-a', 'secret-token'));
    expect(peers.holds('cam-a', 'secret-token')).toBe(true);
    expect(peers.holds('cam-a', 'secret-tokem')).toBe(false);
    expect(peers.holds('cam-a', 'short')).toBe(false);
    expect(peers.holds('cam-b', 'secret-token')).toBe(false);
  });
});
