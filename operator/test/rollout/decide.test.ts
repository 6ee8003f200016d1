import { describe, expect, it } from 'vitest';
import { shouldRollOut, type RolloutDecisionInput } from '../../src/rollout/decide.js';

const changed: RolloutDecisionInput = {
  previousFingerprint: 'db/creds@v-1111',
  newFingerprint: 'db/creds@v-2222',
  dataChanged: true,
  firstSync: false,
  stages: ['AWSCURRENT'],
};

describe('shouldRollOut', () => {
  it.each<[string, Partial<RolloutDecisionInput>, boolean, RegExp]>([
    ['real rotation: new version, new data', {}, true, /remote version changed/],
    ['first sync of a new ExternalSecret', { previousFingerprint: undefined, firstSync: true }, false, /first sync/],
    ['operator restart (no previous fingerprint known)', { previousFingerprint: undefined, firstSync: false }, false, /first sync/],
    ['firstSync flag wins even with a previous fingerprint', { firstSync: true }, false, /first sync/],
    ['empty previous fingerprint', { previousFingerprint: '' }, false, /first sync/],
    ['no-op refresh: same fingerprint, nothing written', { newFingerprint: 'db/creds@v-1111', dataChanged: false }, false, /did not change/],
    ['metadata-only change', { dataChanged: false }, false, /metadata only/],
    ['data changed but version did not (template edit)', { newFingerprint: 'db/creds@v-1111' }, false, /remote version unchanged/],
    ['requested version is AWSPENDING', { stages: ['AWSPENDING'] }, false, /AWSPENDING/],
    ['AWSPENDING among other stages', { stages: ['AWSCURRENT', 'AWSPENDING'] }, false, /AWSPENDING/],
    ['AWSPREVIOUS moved', { stages: ['AWSPREVIOUS'] }, true, /remote version changed/],
    ['no stages (SSM parameter versions)', { stages: undefined }, true, /remote version changed/],
  ])('%s', (_name, patch, roll, why) => {
    const decision = shouldRollOut({ ...changed, ...patch });
    expect(decision.roll).toBe(roll);
    expect(decision.why).toMatch(why);
  });
});
