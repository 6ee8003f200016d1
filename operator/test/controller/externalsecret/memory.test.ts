// The ExternalSecret reconciler's per-ExternalSecret memory (issue #18 item 1): one entry per
// ExternalSecret and one forget() that leaves nothing behind, however many fields it holds.
import { describe, expect, it } from 'vitest';
import { ExternalSecretMemory } from '../../../src/controller/externalsecret/memory.js';

type Status = { version: string };
type Trigger = { id: string };

/** Every field set for `key`, through the public setters. */
function rememberEverything(memory: ExternalSecretMemory<Status, Trigger>, key: string, waiter: () => void): void {
  memory.rememberForceSync(key, 'token-1');
  memory.rememberStatus(key, { baseResourceVersion: '7', status: { version: 'v1' } });
  memory.markStoreChanged(key);
  memory.addSiblingWaiter(key, waiter);
  memory.setSyncedWave(key, 1_000);
  memory.setEventTrigger(key, { id: 'e1' });
}

function everything(memory: ExternalSecretMemory<Status, Trigger>, key: string): unknown[] {
  return [memory.forceSyncSeen(key), memory.writtenStatus(key), memory.storeChange(key), memory.syncedWave(key), memory.eventTrigger(key)];
}

describe('ExternalSecretMemory', () => {
  it('forget() drops every field of that ExternalSecret, and only its own', () => {
    const memory = new ExternalSecretMemory<Status, Trigger>();
    rememberEverything(memory, 'ns/a', () => undefined);
    rememberEverything(memory, 'ns/b', () => undefined);
    expect(memory.size).toBe(2);
    expect(everything(memory, 'ns/a').every((v) => v !== undefined)).toBe(true);

    memory.forget('ns/a');

    // size counts entries: any field left behind for ns/a would keep its entry.
    expect(memory.size).toBe(1);
    expect(everything(memory, 'ns/a')).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(memory.takeSiblingWaiters('ns/a')).toBeUndefined();
    expect(everything(memory, 'ns/b').every((v) => v !== undefined)).toBe(true);
  });

  it('forget() forgets the memories kept elsewhere for the same key (pending rollouts)', () => {
    const forgotten: string[] = [];
    const memory = new ExternalSecretMemory<Status, Trigger>([{ forget: (key) => forgotten.push(key) }]);
    memory.forget('ns/a');
    expect(forgotten).toEqual(['ns/a']);
  });

  it('forget() releases whoever waits for a sibling refresh: the deletion pass was the last', () => {
    const memory = new ExternalSecretMemory<Status, Trigger>();
    let released = 0;
    memory.addSiblingWaiter('ns/a', () => released++);
    memory.addSiblingWaiter('ns/a', () => released++);
    memory.forget('ns/a');
    expect(released).toBe(2);
  });

  it('an entry goes once its last field is taken or dropped', () => {
    const memory = new ExternalSecretMemory<Status, Trigger>();
    memory.setEventTrigger('ns/a', { id: 'e1' });
    memory.addSiblingWaiter('ns/a', () => undefined);
    memory.rememberStatus('ns/a', { baseResourceVersion: '7', status: { version: 'v1' } });
    expect(memory.takeEventTrigger('ns/a')).toEqual({ id: 'e1' });
    expect(memory.takeSiblingWaiters('ns/a')).toHaveLength(1);
    expect(memory.size).toBe(1);
    memory.dropWrittenStatus('ns/a');
    expect(memory.size).toBe(0);
  });

  it('a store change that lands during a pass survives that pass clearing the one it saw', () => {
    const memory = new ExternalSecretMemory<Status, Trigger>();
    memory.markStoreChanged('ns/a');
    const seen = memory.storeChange('ns/a')!;
    memory.markStoreChanged('ns/a');
    memory.clearStoreChange('ns/a', seen);
    expect(memory.storeChange('ns/a')).toBeDefined();
    memory.clearStoreChange('ns/a', memory.storeChange('ns/a')!);
    expect(memory.storeChange('ns/a')).toBeUndefined();
    expect(memory.size).toBe(0);
  });
});
