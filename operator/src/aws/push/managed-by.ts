// Who owns a remote secret. Like ESO, Rotor only changes or deletes a Secrets Manager secret or
// an SSM parameter that carries the `managed-by` tag; everything else is the user's and a push
// to it is refused (PushError NotManaged) unless the request adopts it explicitly.
//
// Rotor writes its own value (`managed-by: rotor`), so an ESO still running beside Rotor during
// a migration refuses to touch what Rotor created (ESO checks for exactly
// `managed-by: external-secrets`), and the two never fight over one secret. Rotor also accepts
// ESO's value as managed, so a PushSecret migrated from ESO keeps updating (and, with
// deletionPolicy Delete, deleting) the secrets ESO created; such a secret keeps ESO's tag, so
// going back to ESO works too. docs/operations.md says what this means for IAM conditions on
// aws:ResourceTag/managed-by.

/** The tag key, ESO's constant `managedBy`. */
export const MANAGED_BY_TAG = 'managed-by';
/** The value Rotor writes on what it creates. */
export const ROTOR_MANAGER = 'rotor';
/** ESO's constant `externalSecrets`: accepted as managed, never written by Rotor on a new secret. */
export const ESO_MANAGER = 'external-secrets';

const MANAGERS: ReadonlySet<string> = new Set([ROTOR_MANAGER, ESO_MANAGER]);

/** The managed-by value of a tag set when it marks the secret as Rotor's (or ESO's), else undefined. */
export function managerOf(tags: ReadonlyMap<string, string>): string | undefined {
  const value = tags.get(MANAGED_BY_TAG);
  return value !== undefined && MANAGERS.has(value) ? value : undefined;
}

/** ESO's default description for what it creates, with Rotor's value. */
export const DEFAULT_DESCRIPTION = `secret '${MANAGED_BY_TAG}:${ROTOR_MANAGER}'`;
