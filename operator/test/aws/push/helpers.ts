// Shared by the push writer tests: ESO's metadata envelope and "this must fail with a PushError".
import { expect } from 'vitest';
import { PushError } from '../../../src/api/push.js';

/** `data[].metadata` as a PushSecret carries it (ESO's PushSecretMetadata). */
export const metadata = (spec: unknown) => ({ apiVersion: 'kubernetes.external-secrets.io/v1alpha1', kind: 'PushSecretMetadata', spec });

/** The PushError a promise rejects with (the test fails if it resolves or throws something else). */
export async function pushFailure(promise: Promise<unknown>): Promise<PushError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PushError);
  return err as PushError;
}
