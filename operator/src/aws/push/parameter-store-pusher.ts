// PushSecret's writer for SSM Parameter Store, with ESO 2.9's semantics
// (providers/v1/aws/parameterstore: PushSecret, DeleteSecret, SecretExists):
// - the current value is read decrypted (GetParameter WithDecryption); a missing parameter is
//   created with PutParameter Overwrite false and the managed-by tag plus the metadata's tags;
// - an existing parameter is written (Overwrite true) only when it carries the managed-by tag
//   (managed-by.ts) and its value differs; its tags are then made to match the metadata;
// - type String|StringList|SecureString, the KMS key (SecureString only), tier and its policies,
//   and the description come from the metadata (parameter-store-metadata.ts);
// - a whole Secret is pushed as JSON with base64 values, or plain ones with encodeAsDecoded.
// Differences from ESO, each deliberate: `property` sets one field of a JSON object as it does
// for Secrets Manager (ESO ignores property for Parameter Store and overwrites the whole value);
// tags are reconciled on every push, also when the value is unchanged (ESO only with a new value);
// the Intelligent-Tiering tier is sent (ESO sends only Advanced); a value that is literally
// "sensitive" is compared like any other (ESO refuses to update it).
import {
  AddTagsToResourceCommand,
  DeleteParameterCommand,
  GetParameterCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  type GetParameterCommandOutput,
  type PutParameterCommandInput,
  type SSMClient,
} from '@aws-sdk/client-ssm';
import { PUSH_REASON, PushError, type DeleteOutcome, type PushDeleteRequest, type PushRemoteRef, type PushRequest, type PushResult, type SecretPusher } from '../../api/push.js';
import { awsErrorIdentity } from '../errors.js';
import { guardedCall, notManagedError, toPushError, type PushCallContext } from './errors.js';
import { PropertyTargetError, removeProperty, setProperty } from './json-property.js';
import { ESO_MANAGER, MANAGED_BY_TAG, ROTOR_MANAGER, managerOf } from './managed-by.js';
import { parseParameterStoreMetadata, type ParameterStorePushMetadata } from './parameter-store-metadata.js';
import { planTags, tagList, tagMap } from './tags.js';
import { encodeWholeSecret } from './whole-secret.js';

const NOT_FOUND = new Set(['ParameterNotFound', 'ResourceNotFoundException']);
const RESOURCE_TYPE = 'Parameter';

export interface ParameterStorePusherOptions {
  /** The store's client, asked for on each call so a client evicted meanwhile is rebuilt. */
  client: () => SSMClient;
  region: string;
  endpoint?: string;
  /** The store's spec.provider.aws.prefix, prepended to every parameter name (ESO). */
  prefix?: string;
}

type Parameter = NonNullable<GetParameterCommandOutput['Parameter']>;

export class ParameterStorePusher implements SecretPusher {
  readonly service = 'ParameterStore' as const;

  constructor(private readonly options: ParameterStorePusherOptions) {}

  async push(request: PushRequest, signal?: AbortSignal): Promise<PushResult> {
    const meta = parseParameterStoreMetadata(request.metadata);
    const name = this.nameOf(request);
    const value = request.secretData ? encodeWholeSecret(request.secretData, meta.encodeAsDecoded ? 'strings' : 'base64') : request.value;
    const valueText = value.toString('utf8');
    const values = [valueText, request.value.toString('utf8')];
    const existing = await this.read(name, true, signal);

    if (!existing) {
      const body = this.finalValue(request, valueText, undefined, name);
      values.push(body);
      const tags = new Map(meta.tags).set(MANAGED_BY_TAG, ROTOR_MANAGER);
      const out = await this.send('PutParameter', name, values, (c, o) => c.send(new PutParameterCommand({ ...putInput(name, body, meta), Overwrite: false, Tags: tagList(tags) }), o), signal, {
        kmsKeyId: meta.type === 'SecureString' ? meta.kmsKeyId : undefined,
        deniedHint: 'Creating a parameter with tags also needs ssm:AddTagsToResource.',
      });
      return withVersion('created', out.Version);
    }
    if (request.updatePolicy === 'IfNotExists') return withVersion('exists', existing.Version);

    const tags = await this.tags(name, values, signal);
    let manager = managerOf(tags);
    if (!manager) {
      if (!request.adoptUnmanaged) throw notManagedError(this.service, name, MANAGED_BY_TAG, ROTOR_MANAGER, ESO_MANAGER);
      await this.send('AddTagsToResource', name, values, (c, o) => c.send(new AddTagsToResourceCommand({ ResourceType: RESOURCE_TYPE, ResourceId: name, Tags: [{ Key: MANAGED_BY_TAG, Value: ROTOR_MANAGER }] }), o), signal);
      manager = ROTOR_MANAGER;
      tags.set(MANAGED_BY_TAG, manager);
    }

    const body = this.finalValue(request, valueText, existing.Value, name);
    values.push(body);
    let result: PushResult;
    if (existing.Value === body) {
      result = withVersion('unchanged', existing.Version);
    } else {
      const out = await this.send('PutParameter', name, values, (c, o) => c.send(new PutParameterCommand({ ...putInput(name, body, meta), Overwrite: true }), o), signal, {
        kmsKeyId: meta.type === 'SecureString' ? meta.kmsKeyId : undefined,
      });
      result = withVersion('updated', out.Version);
    }

    const plan = planTags(tags, meta.tags, manager);
    if (plan.remove.length > 0) {
      await this.send('RemoveTagsFromResource', name, values, (c, o) => c.send(new RemoveTagsFromResourceCommand({ ResourceType: RESOURCE_TYPE, ResourceId: name, TagKeys: plan.remove }), o), signal);
    }
    if (plan.write) {
      await this.send('AddTagsToResource', name, values, (c, o) => c.send(new AddTagsToResourceCommand({ ResourceType: RESOURCE_TYPE, ResourceId: name, Tags: tagList(plan.desired) }), o), signal);
    }
    return result;
  }

  async delete(request: PushDeleteRequest, signal?: AbortSignal): Promise<DeleteOutcome> {
    const name = this.nameOf(request);
    const existing = await this.read(name, request.property !== undefined, signal);
    if (!existing) return 'absent';
    if (!managerOf(await this.tags(name, [], signal))) return 'notManaged';

    if (request.property) {
      const { text, removed, empty } = removeProperty(existing.Value, request.property);
      if (!removed) return 'absent';
      if (!empty) {
        // The rest stays, with the parameter's own type (and the metadata it was pushed with).
        const meta = parseParameterStoreMetadata(request.metadata);
        const type = (existing.Type as ParameterStorePushMetadata['type'] | undefined) ?? meta.type;
        await this.send('PutParameter', name, [text], (c, o) => c.send(new PutParameterCommand({ ...putInput(name, text, { ...meta, type }), Overwrite: true }), o), signal);
        return 'deleted';
      }
    }
    try {
      await this.options.client().send(new DeleteParameterCommand({ Name: name }), signal ? { abortSignal: signal } : {});
    } catch (err) {
      // Deleted by someone else since the read: what was asked is done.
      if (NOT_FOUND.has(awsErrorIdentity(err).name)) return 'absent';
      throw toPushError(err, this.context('DeleteParameter', name));
    }
    return 'deleted';
  }

  async exists(ref: PushRemoteRef, signal?: AbortSignal): Promise<boolean> {
    return (await this.read(this.nameOf(ref), false, signal)) !== undefined;
  }

  private nameOf(ref: PushRemoteRef): string {
    return `${this.options.prefix ?? ''}${ref.remoteKey}`;
  }

  private finalValue(request: PushRequest, valueText: string, current: string | undefined, name: string): string {
    if (!request.property) return valueText;
    try {
      return setProperty(current, request.property, valueText).text;
    } catch (err) {
      if (err instanceof PropertyTargetError) throw new PushError(PUSH_REASON.Conflict, `parameter ${name}: ${err.message} (remoteRef.property ${request.property})`);
      throw err;
    }
  }

  private async read(name: string, decrypt: boolean, signal?: AbortSignal): Promise<Parameter | undefined> {
    try {
      const out = await this.options.client().send(new GetParameterCommand({ Name: name, ...(decrypt ? { WithDecryption: true } : {}) }), signal ? { abortSignal: signal } : {});
      return out.Parameter;
    } catch (err) {
      if (NOT_FOUND.has(awsErrorIdentity(err).name)) return undefined;
      throw toPushError(err, this.context('GetParameter', name));
    }
  }

  private async tags(name: string, values: ReadonlyArray<string>, signal?: AbortSignal): Promise<Map<string, string>> {
    const out = await this.send('ListTagsForResource', name, values, (c, o) => c.send(new ListTagsForResourceCommand({ ResourceType: RESOURCE_TYPE, ResourceId: name }), o), signal);
    return tagMap(out.TagList);
  }

  /** One SDK call, its failure mapped to a PushError naming the action and the parameter. */
  private async send<O>(
    operation: string,
    name: string,
    values: ReadonlyArray<string>,
    call: (client: SSMClient, options: { abortSignal?: AbortSignal }) => Promise<O>,
    signal: AbortSignal | undefined,
    extra: Partial<PushCallContext> = {},
  ): Promise<O> {
    const ctx = { ...this.context(operation, name), values, ...definedOnly(extra) };
    return guardedCall(ctx, () => call(this.options.client(), signal ? { abortSignal: signal } : {}));
  }

  private context(operation: string, key: string): PushCallContext {
    return { service: 'ParameterStore', operation, key, region: this.options.region, ...(this.options.endpoint ? { endpoint: this.options.endpoint } : {}) };
  }
}

/** PutParameter's fields from the metadata, as ESO sets them. */
function putInput(name: string, value: string, meta: ParameterStorePushMetadata): PutParameterCommandInput {
  return {
    Name: name,
    Value: value,
    Type: meta.type,
    Description: meta.description,
    ...(meta.type === 'SecureString' ? { KeyId: meta.kmsKeyId } : {}),
    ...(meta.tier !== 'Standard' ? { Tier: meta.tier, ...(meta.policies !== undefined ? { Policies: meta.policies } : {}) } : {}),
  };
}


function withVersion(outcome: PushResult['outcome'], version: number | undefined): PushResult {
  return version !== undefined ? { outcome, version: String(version) } : { outcome };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
