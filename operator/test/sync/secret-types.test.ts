import { describe, expect, it } from 'vitest';
import { buildDockerConfigJson, SECRET_TYPE, validateSecretType } from '../../src/sync/secret-types.js';

const b = (s: string) => Buffer.from(s, 'utf8');
const CERT = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n';
const messages = (type: string, data: Record<string, Buffer>) => validateSecretType(type, data).map((p) => p.message);

describe('validateSecretType', () => {
  it('accepts anything for Opaque, unknown types and no type', () => {
    expect(validateSecretType('Opaque', {})).toEqual([]);
    expect(validateSecretType('example.com/custom', {})).toEqual([]);
    expect(validateSecretType(undefined, {})).toEqual([]);
  });

  describe('kubernetes.io/basic-auth', () => {
    it('needs username and/or password', () => {
      expect(messages(SECRET_TYPE.BasicAuth, { user: b('x') })).toEqual([
        'kubernetes.io/basic-auth: needs a "username" and/or "password" key; map them with spec.data[].secretKey or spec.target.template.data',
      ]);
      expect(messages(SECRET_TYPE.BasicAuth, { username: b('u') })).toEqual([]);
      expect(messages(SECRET_TYPE.BasicAuth, { password: b('p') })).toEqual([]);
    });
    it('names the type field', () => {
      expect(validateSecretType(SECRET_TYPE.BasicAuth, {})[0]?.field).toBe('spec.target.template.type');
    });
  });

  describe('kubernetes.io/tls', () => {
    it('accepts PEM certificate and key blocks (RSA/EC/PKCS8)', () => {
      expect(messages(SECRET_TYPE.Tls, { 'tls.crt': b(CERT), 'tls.key': b(KEY) })).toEqual([]);
      const rsa = '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----';
      const ec = '-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----';
      expect(messages(SECRET_TYPE.Tls, { 'tls.crt': b(CERT + CERT), 'tls.key': b(rsa) })).toEqual([]);
      expect(messages(SECRET_TYPE.Tls, { 'tls.crt': b(CERT), 'tls.key': b(ec) })).toEqual([]);
    });
    it('needs both keys', () => {
      expect(messages(SECRET_TYPE.Tls, { 'tls.crt': b(CERT) })).toEqual([expect.stringContaining('needs a "tls.key" key')]);
      expect(messages(SECRET_TYPE.Tls, {})).toHaveLength(2);
    });
    it('checks PEM headers, hinting at base64 storage, without echoing the value', () => {
      const base64Cert = Buffer.from(CERT).toString('base64');
      const out = messages(SECRET_TYPE.Tls, { 'tls.crt': b(base64Cert), 'tls.key': b('-----BEGIN RSA PRIVATE KEY-----\nx\n-----END EC PRIVATE KEY-----') });
      expect(out).toHaveLength(2);
      expect(out[0]).toContain('"tls.crt" is not a PEM certificate');
      expect(out[0]).toContain('decodingStrategy: Base64');
      expect(out[1]).toContain('"tls.key" is not a PEM private key');
      expect(out.join()).not.toContain(base64Cert.slice(0, 12));
    });
  });

  describe('kubernetes.io/dockerconfigjson', () => {
    it('accepts what buildDockerConfigJson produces', () => {
      expect(messages(SECRET_TYPE.DockerConfigJson, { '.dockerconfigjson': b(buildDockerConfigJson('registry.example.com', 'u', 'p')) })).toEqual([]);
    });
    it('needs the key, valid JSON and an auths object', () => {
      expect(messages(SECRET_TYPE.DockerConfigJson, {})).toEqual([expect.stringContaining('needs a ".dockerconfigjson" key')]);
      const notJson = messages(SECRET_TYPE.DockerConfigJson, { '.dockerconfigjson': b('{auths: secretish') });
      expect(notJson).toEqual([expect.stringContaining('is not valid JSON')]);
      expect(notJson.join()).not.toContain('secretish');
      expect(messages(SECRET_TYPE.DockerConfigJson, { '.dockerconfigjson': b('{"registry":{}}') })).toEqual([expect.stringContaining('must have an "auths" object')]);
      expect(messages(SECRET_TYPE.DockerConfigJson, { '.dockerconfigjson': b('[]') })).toEqual([expect.stringContaining('must be a JSON object')]);
    });
  });

  it('kubernetes.io/dockercfg and ssh-auth need their keys', () => {
    expect(messages(SECRET_TYPE.DockerCfg, {})).toHaveLength(1);
    expect(messages(SECRET_TYPE.DockerCfg, { '.dockercfg': b('{"registry.example.com":{}}') })).toEqual([]);
    expect(messages(SECRET_TYPE.SshAuth, {})).toEqual([expect.stringContaining('"ssh-privatekey"')]);
  });
});

describe('buildDockerConfigJson', () => {
  it('writes auth as base64(user:pass), as docker login does', () => {
    const doc = JSON.parse(buildDockerConfigJson('registry.example.com:5000', 'AWS', 'pa:ss'));
    const entry = doc.auths['registry.example.com:5000'];
    expect(entry).toEqual({ username: 'AWS', password: 'pa:ss', auth: 'QVdTOnBhOnNz' });
    expect(Buffer.from(entry.auth, 'base64').toString()).toBe('AWS:pa:ss');
  });
});
