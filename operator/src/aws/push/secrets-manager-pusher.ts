// PushSecret's writer for Secrets Manager, with ESO 2.9's semantics
// (providers/v1/aws/secretsmanager: PushSecret, DeleteSecret, SecretExists):
// - a missing secret is created with the managed-by tag, the metadata's tags, description and
//   KMS key, ClientRequestToken 00000000-0000-0000-0000-000000000001, and its resource policy
//   and replica regions when the metadata asks;
// - an existing secret is written only when it carries the managed-by tag (managed-by.ts);
//   its tags (when the metadata names tags), resource policy and replica regions are made to
//   match the metadata on every push, and a new version is written only when the value differs
//   from the current one (an unchanged value costs no version);
// - `property` sets one field of a JSON object (json-property.ts), keeping the others;
// - delete removes a managed secret with the store's forceDeleteWithoutRecovery /
//   recoveryWindowInDays, or with `property` only that field (the secret goes with its last one).
// Differences from ESO, each deliberate: delete with `property` removes the field, not the whole
// secret (ESO deletes the secret, taking the other entries' fields with it); without a
// resourcePolicy the current policy is read and deleted only if there is one (ESO sends
// DeleteResourcePolicy on every push); a policy source that cannot be read fails before the
// secret is created, not after.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import {
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  PutResourcePolicyCommand,
  PutSecretValueCommand,
  RemoveRegionsFromReplicationCommand,
  ReplicateSecretToRegionsCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type DescribeSecretCommandOutput,
  type GetSecretValueCommandOutput,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { PUSH_REASON, PushError, type DeleteOutcome, type PushDeleteRequest, type PushRemoteRef, type PushRequest, type PushResult, type SecretPusher } from '../../api/push.js';
import { awsErrorIdentity } from '../errors.js';
import { guardedCall, notManagedError, toPushError, type PushCallContext } from './errors.js';
import { PropertyTargetError, removeProperty, setProperty } from './json-property.js';
import { ESO_MANAGER, MANAGED_BY_TAG, ROTOR_MANAGER, managerOf } from './managed-by.js';
import { invalidMetadata } from './metadata-envelope.js';
import { parseSecretsManagerMetadata, type SecretsManagerPushMetadata } from './secrets-manager-metadata.js';
import { planTags, tagList, tagMap } from './tags.js';

/** ESO's `initialVersion`: the ClientRequestToken of a secret's first version. */
export const INITIAL_VERSION = '00000000-0000-0000-0000-000000000001';
const NOT_FOUND = 'ResourceNotFoundException';

export interface SecretsManagerDeletion {
  forceDeleteWithoutRecovery?: boolean;
  recoveryWindowInDays?: number;
}

export interface SecretsManagerPusherOptions {
  /** The store's client, asked for on each call so a client evicted meanwhile is rebuilt. */
  client: () => SecretsManagerClient;
  region: string;
  endpoint?: string;
  /** The store's spec.provider.aws.prefix, prepended to every remote key (ESO). */
  prefix?: string;
  /** The store's spec.provider.aws.secretsManager. */
  deletion?: SecretsManagerDeletion;
  /** The ClientRequestToken of every version after the first (tests). Default: a random UUID. */
  newVersionId?: () => string;
}

type Described = DescribeSecretCommandOutput;

export class SecretsManagerPusher implements SecretPusher {
  readonly service = 'SecretsManager' as const;

  constructor(private readonly options: SecretsManagerPusherOptions) {}

  async push(request: PushRequest, signal?: AbortSignal): Promise<PushResult> {
    const meta = parseSecretsManagerMetadata(request.metadata);
    const name = this.nameOf(request);
    const valueText = request.value.toString('utf8');
    const values = [valueText];
    const described = await this.describe(name, signal);
    if (!described) return this.create(name, request, meta, valueText, values, signal);

    const arn = described.ARN ?? name;
    if (described.DeletedDate) throw this.scheduledForDeletion(name, arn);
    const hasValue = Object.keys(described.VersionIdsToStages ?? {}).length > 0;
    // ESO's controller asks SecretExists (is there a value?) before anything else.
    if (request.updatePolicy === 'IfNotExists' && hasValue) return withVersion('exists', currentVersionId(described));

    const tags = tagMap(described.Tags);
    let manager = managerOf(tags);
    if (!manager) {
      if (!request.adoptUnmanaged) throw notManagedError(this.service, name, MANAGED_BY_TAG, ROTOR_MANAGER, ESO_MANAGER);
      await this.send('TagResource', name, arn, values, (c, o) => c.send(new TagResourceCommand({ SecretId: arn, Tags: [{ Key: MANAGED_BY_TAG, Value: ROTOR_MANAGER }] }), o), signal);
      manager = ROTOR_MANAGER;
      tags.set(MANAGED_BY_TAG, manager);
    }

    const current = hasValue ? await this.send('GetSecretValue', name, arn, values, (c, o) => c.send(new GetSecretValueCommand({ SecretId: arn }), o), signal) : undefined;
    const body = this.finalValue(request, valueText, current && textOf(current), name);
    values.push(body.toString('utf8'));

    if (meta.tags.size > 0) await this.reconcileTags(name, arn, tags, meta, manager, values, signal);
    await this.reconcilePolicy(name, arn, request, meta, values, signal);
    await this.reconcileReplicas(name, arn, described, meta, values, signal);

    if (current && sameValue(current, body)) return withVersion('unchanged', current.VersionId);
    const token = current ? (this.options.newVersionId ?? randomUUID)() : INITIAL_VERSION;
    const out = await this.send('PutSecretValue', name, arn, values, (c, o) => c.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, ...payload(body, meta.format) }), o), signal);
    return withVersion('updated', out.VersionId);
  }

  async delete(request: PushDeleteRequest, signal?: AbortSignal): Promise<DeleteOutcome> {
    const name = this.nameOf(request);
    const described = await this.describe(name, signal);
    // Scheduled for deletion already: nothing left to delete.
    if (!described || described.DeletedDate) return 'absent';
    const arn = described.ARN ?? name;
    if (!managerOf(tagMap(described.Tags))) return 'notManaged';

    if (request.property) {
      if (Object.keys(described.VersionIdsToStages ?? {}).length === 0) return 'absent';
      const current = await this.send('GetSecretValue', name, arn, [], (c, o) => c.send(new GetSecretValueCommand({ SecretId: arn }), o), signal);
      const { text, removed, empty } = removeProperty(textOf(current), request.property);
      if (!removed) return 'absent';
      if (!empty) {
        // Stored as it was (SecretString or SecretBinary), so a reader sees the same kind.
        const format = current.SecretString !== undefined ? 'string' : 'binary';
        const body = Buffer.from(text, 'utf8');
        const token = (this.options.newVersionId ?? randomUUID)();
        await this.send('PutSecretValue', name, arn, [text], (c, o) => c.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, ...payload(body, format) }), o), signal);
        return 'deleted';
      }
    }

    const deletion = this.deletionInput();
    const regions = (described.ReplicationStatus ?? []).map((r) => r.Region).filter((r): r is string => r !== undefined);
    if (regions.length > 0) {
      await this.send('RemoveRegionsFromReplication', name, arn, [], (c, o) => c.send(new RemoveRegionsFromReplicationCommand({ SecretId: arn, RemoveReplicaRegions: regions }), o), signal);
    }
    await this.send('DeleteSecret', name, arn, [], (c, o) => c.send(new DeleteSecretCommand({ SecretId: arn, ...deletion }), o), signal);
    return 'deleted';
  }

  async exists(ref: PushRemoteRef, signal?: AbortSignal): Promise<boolean> {
    const name = this.nameOf(ref);
    try {
      await this.options.client().send(new GetSecretValueCommand({ SecretId: name }), signal ? { abortSignal: signal } : {});
      return true;
    } catch (err) {
      if (awsErrorIdentity(err).name === NOT_FOUND) return false;
      throw toPushError(err, this.context('GetSecretValue', name));
    }
  }

  private nameOf(ref: PushRemoteRef): string {
    return `${this.options.prefix ?? ''}${ref.remoteKey}`;
  }

  private async create(name: string, request: PushRequest, meta: SecretsManagerPushMetadata, valueText: string, values: string[], signal?: AbortSignal): Promise<PushResult> {
    const body = request.property ? Buffer.from(setProperty(undefined, request.property, valueText).text, 'utf8') : request.value;
    values.push(body.toString('utf8'));
    // Read before the secret exists, so a missing policy source fails with nothing created.
    const policy = meta.resourcePolicy ? await this.policyText(request, meta) : undefined;
    const tags = new Map(meta.tags).set(MANAGED_BY_TAG, ROTOR_MANAGER);
    const replicas = meta.replicationLocations?.length ? { AddReplicaRegions: meta.replicationLocations.map((Region) => ({ Region, KmsKeyId: meta.kmsKeyId })) } : {};
    const created = await this.send(
      'CreateSecret',
      name,
      undefined,
      values,
      (c, o) =>
        c.send(
          new CreateSecretCommand({
          Name: name,
          ...payload(body, meta.format),
          Tags: tagList(tags),
          Description: meta.description,
          ClientRequestToken: INITIAL_VERSION,
          KmsKeyId: meta.kmsKeyId,
          ...replicas,
          }),
          o,
        ),
      signal,
      { kmsKeyId: meta.kmsKeyId, deniedHint: 'Creating a secret with tags also needs secretsmanager:TagResource.' },
    );
    if (policy) {
      const arn = created.ARN ?? name;
      await this.send('PutResourcePolicy', name, arn, values, (c, o) => c.send(new PutResourcePolicyCommand({ SecretId: arn, ResourcePolicy: policy, ...blockPublic(meta) }), o), signal);
    }
    return withVersion('created', created.VersionId);
  }

  /** The bytes to write: the value, or the current JSON with `property` set to it. */
  private finalValue(request: PushRequest, valueText: string, currentText: string | undefined, name: string): Buffer {
    if (!request.property) return request.value;
    try {
      return Buffer.from(setProperty(currentText, request.property, valueText).text, 'utf8');
    } catch (err) {
      if (err instanceof PropertyTargetError) throw new PushError(PUSH_REASON.Conflict, `secret ${name}: ${err.message} (remoteRef.property ${request.property})`);
      throw err;
    }
  }

  private async reconcileTags(name: string, arn: string, current: Map<string, string>, meta: SecretsManagerPushMetadata, manager: string, values: string[], signal?: AbortSignal): Promise<void> {
    const plan = planTags(current, meta.tags, manager);
    if (plan.remove.length > 0) await this.send('UntagResource', name, arn, values, (c, o) => c.send(new UntagResourceCommand({ SecretId: arn, TagKeys: plan.remove }), o), signal);
    if (plan.write) await this.send('TagResource', name, arn, values, (c, o) => c.send(new TagResourceCommand({ SecretId: arn, Tags: tagList(plan.desired) }), o), signal);
  }

  private async reconcilePolicy(name: string, arn: string, request: PushRequest, meta: SecretsManagerPushMetadata, values: string[], signal?: AbortSignal): Promise<void> {
    const wanted = meta.resourcePolicy ? await this.policyText(request, meta) : '';
    let current: string | undefined;
    try {
      const out = await this.options.client().send(new GetResourcePolicyCommand({ SecretId: arn }), signal ? { abortSignal: signal } : {});
      current = out.ResourcePolicy;
    } catch (err) {
      const code = awsErrorIdentity(err).name;
      // Without a resourcePolicy in the metadata, a role that may not read policies leaves them alone.
      if (!meta.resourcePolicy && (code === 'AccessDeniedException' || code === 'AccessDenied')) return;
      if (code !== NOT_FOUND) throw toPushError(err, { ...this.context('GetResourcePolicy', name), arn, values });
    }
    if (wanted === '') {
      if (current) await this.send('DeleteResourcePolicy', name, arn, values, (c, o) => c.send(new DeleteResourcePolicyCommand({ SecretId: arn }), o), signal);
      return;
    }
    if (current && isDeepStrictEqual(JSON.parse(wanted), parseJsonOrUndefined(current))) return;
    await this.send('PutResourcePolicy', name, arn, values, (c, o) => c.send(new PutResourcePolicyCommand({ SecretId: arn, ResourcePolicy: wanted, ...blockPublic(meta) }), o), signal);
  }

  private async reconcileReplicas(name: string, arn: string, described: Described, meta: SecretsManagerPushMetadata, values: string[], signal?: AbortSignal): Promise<void> {
    const desired = meta.replicationLocations;
    if (desired === undefined) return;
    const existing = (described.ReplicationStatus ?? []).map((r) => r.Region).filter((r): r is string => r !== undefined);
    const remove = existing.filter((r) => !desired.includes(r));
    const add = desired.filter((r) => !existing.includes(r));
    if (remove.length > 0) await this.send('RemoveRegionsFromReplication', name, arn, values, (c, o) => c.send(new RemoveRegionsFromReplicationCommand({ SecretId: arn, RemoveReplicaRegions: remove }), o), signal);
    if (add.length > 0) {
      // ESO replicates with the primary's key (one kmsKeyId for every region).
      const AddReplicaRegions = add.map((Region) => ({ Region, ...(described.KmsKeyId ? { KmsKeyId: described.KmsKeyId } : {}) }));
      await this.send('ReplicateSecretToRegions', name, arn, values, (c, o) => c.send(new ReplicateSecretToRegionsCommand({ SecretId: arn, AddReplicaRegions }), o), signal);
    }
  }

  /** The policy JSON the metadata's policySourceRef names ('' means "no policy", as in ESO). */
  private async policyText(request: PushRequest, meta: SecretsManagerPushMetadata): Promise<string> {
    const source = meta.resourcePolicy!.source;
    const field = 'spec.resourcePolicy.policySourceRef';
    if (!request.readPolicySource) throw invalidMetadata(field, 'cannot be read here: this PushSecret has no access to ConfigMaps or Secrets for resource policies');
    const text = await request.readPolicySource(source);
    if (text === undefined) throw invalidMetadata(field, `names ${source.kind} ${source.name} key ${source.key}, which does not exist in the PushSecret's namespace; create it or fix the reference`);
    if (text !== '' && parseJsonOrUndefined(text) === undefined) throw invalidMetadata(field, `names ${source.kind} ${source.name} key ${source.key}, which is not valid JSON; it must hold the policy document`);
    return text;
  }

  private deletionInput(): { ForceDeleteWithoutRecovery?: boolean; RecoveryWindowInDays?: number } {
    const { forceDeleteWithoutRecovery, recoveryWindowInDays } = this.options.deletion ?? {};
    const window = recoveryWindowInDays ?? 0;
    // ESO's ValidateDeleteSecretInput, with the store field named.
    if (window !== 0 && (window < 7 || window > 30)) {
      throw new PushError(PUSH_REASON.InvalidStore, `spec.provider.aws.secretsManager.recoveryWindowInDays must be between 7 and 30 (days), got ${window}`);
    }
    if (window !== 0 && forceDeleteWithoutRecovery) {
      throw new PushError(PUSH_REASON.InvalidStore, 'spec.provider.aws.secretsManager: set forceDeleteWithoutRecovery or recoveryWindowInDays, not both');
    }
    return { ...(forceDeleteWithoutRecovery ? { ForceDeleteWithoutRecovery: true } : {}), ...(window > 0 ? { RecoveryWindowInDays: window } : {}) };
  }

  private async describe(name: string, signal?: AbortSignal): Promise<Described | undefined> {
    try {
      return await this.options.client().send(new DescribeSecretCommand({ SecretId: name }), signal ? { abortSignal: signal } : {});
    } catch (err) {
      if (awsErrorIdentity(err).name === NOT_FOUND) return undefined;
      throw toPushError(err, this.context('DescribeSecret', name));
    }
  }

  /** One SDK call, its failure mapped to a PushError naming the action and the secret. */
  private async send<O>(
    operation: string,
    name: string,
    arn: string | undefined,
    values: ReadonlyArray<string>,
    call: (client: SecretsManagerClient, options: { abortSignal?: AbortSignal }) => Promise<O>,
    signal: AbortSignal | undefined,
    extra: Partial<PushCallContext> = {},
  ): Promise<O> {
    const ctx = { ...this.context(operation, name), ...(arn ? { arn } : {}), values, ...extra };
    return guardedCall(ctx, () => call(this.options.client(), signal ? { abortSignal: signal } : {}));
  }

  private context(operation: string, key: string): PushCallContext {
    return { service: 'SecretsManager', operation, key, region: this.options.region, ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}) };
  }

  private scheduledForDeletion(name: string, arn: string): PushError {
    return new PushError(
      PUSH_REASON.Conflict,
      `secret ${name} (${arn}) is scheduled for deletion, so it cannot be written: restore it (aws secretsmanager restore-secret --secret-id ${name}) or wait until the recovery window ends; retrying`,
      { retryable: true },
    );
  }
}


function withVersion(outcome: PushResult['outcome'], version: string | undefined): PushResult {
  return version ? { outcome, version } : { outcome };
}

function currentVersionId(described: Described): string | undefined {
  return Object.entries(described.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes('AWSCURRENT'))?.[0];
}

function textOf(out: GetSecretValueCommandOutput): string | undefined {
  if (out.SecretString !== undefined) return out.SecretString;
  return out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined;
}

/** ESO's comparison: the binary equals the bytes, or the string equals them. */
function sameValue(out: GetSecretValueCommandOutput, body: Buffer): boolean {
  if (out.SecretBinary && Buffer.from(out.SecretBinary).equals(body)) return true;
  return out.SecretString !== undefined && Buffer.from(out.SecretString, 'utf8').equals(body);
}

function payload(body: Buffer, format: 'binary' | 'string'): { SecretBinary: Uint8Array } | { SecretString: string } {
  return format === 'string' ? { SecretString: body.toString('utf8') } : { SecretBinary: new Uint8Array(body) };
}

function blockPublic(meta: SecretsManagerPushMetadata): { BlockPublicPolicy?: boolean } {
  const block = meta.resourcePolicy?.blockPublicPolicy;
  return block === undefined ? {} : { BlockPublicPolicy: block };
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
