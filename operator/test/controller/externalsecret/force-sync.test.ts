// rotor.dev/force-sync and ESO's external-secrets.io/force-sync both ask for a refresh now
// (issue #19 item 7: ESO's annotation, copied unchanged by `rotor migrate`, used to do nothing).
import { describe, expect, it } from 'vitest';
import { forceSyncRequested, forceSyncToken } from '../../../src/controller/externalsecret/force-sync.js';

const ROTOR = 'rotor.dev/force-sync';
const ESO = 'external-secrets.io/force-sync';
const lastSync = Date.parse('2026-03-01T00:00:00Z');
const after = String(lastSync / 1000 + 60);
const before = String(lastSync / 1000 - 60);

describe('forceSyncToken', () => {
  it('is undefined without either annotation, and changes when either does', () => {
    expect(forceSyncToken(undefined)).toBeUndefined();
    expect(forceSyncToken({ other: 'x' })).toBeUndefined();
    const rotor = forceSyncToken({ [ROTOR]: '1' });
    const eso = forceSyncToken({ [ESO]: '1' });
    expect(rotor).toBeDefined();
    expect(eso).toBeDefined();
    expect(eso).not.toBe(rotor);
    expect(forceSyncToken({ [ROTOR]: '1', [ESO]: '2' })).not.toBe(forceSyncToken({ [ROTOR]: '1', [ESO]: '3' }));
  });
});

describe('forceSyncRequested', () => {
  it("honours ESO's annotation like Rotor's, once per value", () => {
    for (const key of [ROTOR, ESO]) {
      expect(forceSyncRequested({ [key]: '5' }, undefined, undefined), key).toBe(true);
      const seen = forceSyncToken({ [key]: '5' });
      expect(forceSyncRequested({ [key]: '5' }, seen, lastSync), `${key} already honoured`).toBe(false);
      expect(forceSyncRequested({ [key]: '6' }, seen, lastSync), `${key} changed`).toBe(true);
    }
  });

  it('after a restart (nothing remembered) honours only a time after the last sync', () => {
    expect(forceSyncRequested({ [ESO]: after }, undefined, lastSync)).toBe(true);
    expect(forceSyncRequested({ [ESO]: before }, undefined, lastSync)).toBe(false);
    expect(forceSyncRequested({ [ESO]: '2026-03-01T00:01:00Z' }, undefined, lastSync)).toBe(true);
    expect(forceSyncRequested({ [ESO]: 'please' }, undefined, lastSync)).toBe(false);
    expect(forceSyncRequested({ [ROTOR]: before, [ESO]: after }, undefined, lastSync)).toBe(true);
  });

  it('asks nothing without an annotation', () => {
    expect(forceSyncRequested({}, undefined, lastSync)).toBe(false);
    expect(forceSyncRequested(undefined, 'x', lastSync)).toBe(false);
  });
});
