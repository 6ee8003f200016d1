// The operator's event queues, as the chart gives them (--events-queue URL[,region=R], one flag
// per queue; chart value events.queues). Pure: config.ts parses the flags through this, so a
// typo fails at start with a message naming the flag. Only the chart decides which queues are
// read, and they are read with the operator's own AWS identity: no tenant object names a queue.

export interface EventQueueSpec {
  /** The SQS queue URL, e.g. https://sqs.eu-west-1.amazonaws.com/111122223333/rotor-events. */
  url: string;
  region: string;
}

/** sqs.<region>.amazonaws.com[.cn] and the legacy <region>.queue.amazonaws.com. */
const AWS_QUEUE_HOST = /^(?:sqs\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?|([a-z]{2}(?:-[a-z]+)+-\d+)\.queue\.amazonaws\.com)$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Parses one --events-queue value; throws an Error that says what to write instead. */
export function parseEventQueue(value: string): EventQueueSpec {
  const [rawUrl, ...options] = value.split(',').map((part) => part.trim());
  const flag = `--events-queue ${value}`;
  let url: URL;
  try {
    url = new URL(rawUrl ?? '');
  } catch {
    throw new Error(`${flag}: not a URL; give the SQS queue URL, e.g. https://sqs.eu-west-1.amazonaws.com/111122223333/rotor-events`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${flag}: the queue URL must be http(s)`);
  if (url.username || url.password || url.search || url.hash) throw new Error(`${flag}: the queue URL must not carry credentials, a query or a fragment`);
  const path = url.pathname.split('/').filter(Boolean);
  if (path.length !== 2 || !/^\d{12}$/.test(path[0]!) || !/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(path[1]!)) {
    throw new Error(`${flag}: the queue URL's path must be /<12-digit account>/<queue name>`);
  }
  let region: string | undefined;
  for (const option of options) {
    const [key, optionValue] = option.split('=', 2);
    if (key !== 'region' || !optionValue) throw new Error(`${flag}: unknown option "${option}"; the only option is region=<region>`);
    if (!REGION.test(optionValue)) throw new Error(`${flag}: region=${optionValue} is not a region name such as eu-west-1`);
    region = optionValue;
  }
  const host = AWS_QUEUE_HOST.exec(url.hostname);
  const hostRegion = host?.[1] ?? host?.[2];
  if (region && hostRegion && region !== hostRegion) throw new Error(`${flag}: region=${region} differs from the queue URL's region ${hostRegion}`);
  region ??= hostRegion;
  if (!region) throw new Error(`${flag}: the region cannot be read from host ${url.hostname}; add ,region=<region> (e.g. for LocalStack)`);
  return { url: `${url.origin}/${path[0]}/${path[1]}`, region };
}

/** The distinct queues of a list of specs: one long-poll loop per queue URL, never two. */
export function distinctQueues(specs: EventQueueSpec[]): EventQueueSpec[] {
  const byUrl = new Map<string, EventQueueSpec>();
  for (const spec of specs) {
    const seen = byUrl.get(spec.url);
    if (seen && seen.region !== spec.region) throw new Error(`--events-queue ${spec.url} is given twice with different regions (${seen.region}, ${spec.region})`);
    byUrl.set(spec.url, spec);
  }
  return [...byUrl.values()];
}

/**
 * Where the SQS client sends its calls: AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL when set (the
 * test bed's LocalStack), else the queue URL's own origin — the SDK would use it anyway
 * (useQueueUrlAsEndpoint) but warn on every call when it differs from the regional endpoint.
 */
export function sqsEndpoint(spec: EventQueueSpec, env: Record<string, string | undefined>): string {
  return env['AWS_ENDPOINT_URL_SQS'] || env['AWS_ENDPOINT_URL'] || new URL(spec.url).origin;
}
