// Checks for the built-in Secret types whose keys Kubernetes (or its consumers) insist on,
// so the user gets "kubernetes.io/tls needs tls.key" in status instead of a bare API-server
// rejection or a crash-looping ingress controller. Messages name keys, never values.
import type { SpecProblem } from '../api/defaults.js';

export const SECRET_TYPE = {
  Opaque: 'Opaque',
  BasicAuth: 'kubernetes.io/basic-auth',
  Tls: 'kubernetes.io/tls',
  DockerConfigJson: 'kubernetes.io/dockerconfigjson',
  DockerCfg: 'kubernetes.io/dockercfg',
  SshAuth: 'kubernetes.io/ssh-auth',
} as const;

const TYPE_FIELD = 'spec.target.template.type';

// PEM block boundaries only: we check the shape, not the cryptography.
const CERTIFICATE_PEM = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const PRIVATE_KEY_PEM = /-----BEGIN ((?:RSA |EC |ENCRYPTED |DSA |OPENSSH )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

/** Problems with `data` for Secret `type`; empty for Opaque and types we know nothing about. */
export function validateSecretType(type: string | undefined, data: Record<string, Buffer>): SpecProblem[] {
  const problems: SpecProblem[] = [];
  const add = (message: string) => problems.push({ field: TYPE_FIELD, message: `${type}: ${message}` });
  const has = (key: string) => Object.hasOwn(data, key) && data[key] !== undefined;

  switch (type) {
    case SECRET_TYPE.BasicAuth:
      if (!has('username') && !has('password')) {
        add('needs a "username" and/or "password" key; map them with spec.data[].secretKey or spec.target.template.data');
      }
      break;
    case SECRET_TYPE.Tls: {
      for (const key of ['tls.crt', 'tls.key']) {
        if (!has(key)) add(`needs a ${JSON.stringify(key)} key; map it with spec.data[].secretKey or spec.target.template.data`);
      }
      if (has('tls.crt') && !CERTIFICATE_PEM.test(data['tls.crt']!.toString('utf8'))) {
        add('"tls.crt" is not a PEM certificate (no BEGIN/END CERTIFICATE block); if it is stored base64-encoded, set decodingStrategy: Base64');
      }
      if (has('tls.key') && !PRIVATE_KEY_PEM.test(data['tls.key']!.toString('utf8'))) {
        add('"tls.key" is not a PEM private key (no BEGIN/END PRIVATE KEY block); if it is stored base64-encoded, set decodingStrategy: Base64');
      }
      break;
    }
    case SECRET_TYPE.DockerConfigJson:
      checkDockerConfig(data, '.dockerconfigjson', true, add);
      break;
    case SECRET_TYPE.DockerCfg:
      checkDockerConfig(data, '.dockercfg', false, add);
      break;
    case SECRET_TYPE.SshAuth:
      if (!has('ssh-privatekey')) add('needs an "ssh-privatekey" key');
      break;
    default:
      break;
  }
  return problems;
}

function checkDockerConfig(data: Record<string, Buffer>, key: string, needsAuths: boolean, add: (message: string) => void): void {
  const value = Object.hasOwn(data, key) ? data[key] : undefined;
  if (value === undefined) {
    add(`needs a ${JSON.stringify(key)} key; build it with the dockerconfigjson template filter`);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    // JSON.parse's message quotes the input: say only that it is not JSON.
    add(`${JSON.stringify(key)} is not valid JSON; build it with the dockerconfigjson template filter`);
    return;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    add(`${JSON.stringify(key)} must be a JSON object`);
    return;
  }
  if (needsAuths) {
    const auths = (parsed as Record<string, unknown>).auths;
    if (typeof auths !== 'object' || auths === null || Array.isArray(auths)) add(`${JSON.stringify(key)} must have an "auths" object`);
  }
}

/**
 * The `.dockerconfigjson` document for one registry, as `docker login` writes it:
 * `{"auths":{"<registry>":{"username":..,"password":..,"auth":base64("user:pass")}}}`.
 */
export function buildDockerConfigJson(registry: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
  return JSON.stringify({ auths: { [registry]: { username, password, auth } } });
}
