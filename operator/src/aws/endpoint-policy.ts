// Which `spec.provider.aws.endpoint` a namespaced SecretStore may name (issue #15 item 2).
// The operator sends signed requests to that URL and trusts what comes back, so a tenant must
// not be able to point it at a server of their choosing. The allow-list is decided by the chart
// (--allowed-endpoint), never by a tenant:
// - AWS's own Secrets Manager / SSM endpoints, https only: `<service>[-fips].<region>.<suffix>`
//   and VPC endpoints `vpce-<id>.<service>.<region>.vpce.<suffix>`, for the DNS suffixes of the
//   partitions the SDK knows. Only those shapes: other hosts under amazonaws.com (API Gateway,
//   load balancers, S3 buckets) are run by AWS customers, i.e. possibly by the tenant;
// - every endpoint the admin configured the operator itself with (AWS_ENDPOINT_URL and the
//   per-service variants), compared by scheme, host and port — so LocalStack setups keep working;
// - the extra patterns of --allowed-endpoint: an exact origin, `*.` host wildcards, `:*` any port.
// Pure.

/** The DNS suffixes (plain and dual-stack) of AWS's partitions, as the SDK's partition table lists them. */
export const AWS_DNS_SUFFIXES = [
  'amazonaws.com',
  'amazonaws.com.cn',
  'amazonaws.eu',
  'c2s.ic.gov',
  'sc2s.sgov.gov',
  'cloud.adc-e.uk',
  'csp.hci.ic.gov',
  'api.aws',
  'api.amazonwebservices.com.cn',
  'api.amazonwebservices.eu',
  'api.aws.ic.gov',
  'api.aws.hci.ic.gov',
  'api.aws.scloud',
  'api.cloud-aws.adc-e.uk',
] as const;

/** The operator's own endpoint settings, read by the SDK too (clients.ts). */
export const OPERATOR_ENDPOINT_ENV = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_SECRETS_MANAGER', 'AWS_ENDPOINT_URL_SSM', 'AWS_ENDPOINT_URL_STS'] as const;

const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+';
const SUFFIX = AWS_DNS_SUFFIXES.map((s) => s.replace(/\./g, '\\.')).join('|');
const SERVICE = '(?:secretsmanager|ssm)(?:-fips)?';
const AWS_HOST = new RegExp(`^(?:${SERVICE}\\.${REGION}\\.(?:${SUFFIX})|vpce-[a-z0-9-]+\\.${SERVICE}\\.${REGION}\\.vpce\\.(?:${SUFFIX}))$`);

/** True for an https URL of AWS's own Secrets Manager or SSM endpoint (regional, FIPS, dual-stack or VPC endpoint). */
export function isAwsServiceEndpoint(endpoint: string): boolean {
  const url = parseUrl(endpoint);
  return url !== undefined && url.protocol === 'https:' && (url.port === '' || url.port === '443') && AWS_HOST.test(url.hostname);
}

export interface EndpointPattern {
  scheme: 'http' | 'https';
  /** Lower-case host; with `wildcard`, the suffix after `*.`. */
  host: string;
  wildcard: boolean;
  /** undefined: any port. */
  port: string | undefined;
  text: string;
}

export class EndpointPatternError extends Error {}

/**
 * `https://vault.example.internal`, `https://*.example.internal`, `http://127.0.0.1:*`.
 * No path, no credentials; the port defaults to the scheme's.
 */
export function parseEndpointPattern(text: string): EndpointPattern {
  const match = /^(https?):\/\/(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}|\*))?\/?$/i.exec(text.trim());
  if (!match) throw new EndpointPatternError(`"${text}" is not an endpoint pattern such as https://vault.example.internal, https://*.example.internal or http://127.0.0.1:*`);
  const scheme = match[1]!.toLowerCase() as 'http' | 'https';
  const port = match[4] === '*' ? undefined : (match[4] ?? (scheme === 'https' ? '443' : '80'));
  return { scheme, host: match[3]!.toLowerCase(), wildcard: match[2] !== undefined, port, text: text.trim() };
}

export interface EndpointPolicyOptions {
  /** The operator's environment: its AWS_ENDPOINT_URL* endpoints are allowed. */
  env: Record<string, string | undefined>;
  /** --allowed-endpoint patterns (already validated by config.ts). */
  patterns: string[];
}

export class EndpointPolicy {
  private readonly operatorOrigins: Set<string>;
  private readonly patterns: EndpointPattern[];

  constructor(options: EndpointPolicyOptions) {
    this.operatorOrigins = new Set(
      OPERATOR_ENDPOINT_ENV.flatMap((name) => {
        const url = parseUrl(options.env[name] ?? '');
        return url ? [originOf(url)] : [];
      }),
    );
    this.patterns = options.patterns.map(parseEndpointPattern);
  }

  /** Whether a namespaced store may send requests to `endpoint`. */
  allows(endpoint: string): boolean {
    if (isAwsServiceEndpoint(endpoint)) return true;
    const url = parseUrl(endpoint);
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) return false;
    if (this.operatorOrigins.has(originOf(url))) return true;
    return this.patterns.some((p) => matchesPattern(p, url));
  }
}

function matchesPattern(pattern: EndpointPattern, url: URL): boolean {
  if (`${pattern.scheme}:` !== url.protocol) return false;
  if (pattern.port !== undefined && pattern.port !== effectivePort(url)) return false;
  const host = url.hostname.toLowerCase();
  return pattern.wildcard ? host.endsWith(`.${pattern.host}`) : host === pattern.host;
}

function effectivePort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}

function originOf(url: URL): string {
  return `${url.protocol}//${url.hostname.toLowerCase()}:${effectivePort(url)}`;
}

function parseUrl(text: string): URL | undefined {
  if (!text) return undefined;
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
