// "Change the apiVersion" must hold for every AWS manifest ESO accepts (issue #17 item 11):
// `rotor migrate` runs over the ESO corpus the end-to-end suite applies (e2e/compat/eso-aws)
// and over PushSecret / ClusterPushSecret / generator manifests written the way ESO's docs and
// its AWS end-to-end cases write them (eso-manifests/), and its report must have no NOT
// CONVERTED and no FIELD DROPPED line, with every ESO object in the output. A new ESO field
// Rotor refuses or drops fails here with the report line that says which.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { EXIT, runMigrate, type MigrateIO } from '../../src/migrate/cli.js';

const compat = resolve(import.meta.dirname, '../../../e2e/compat/eso-aws');
const own = resolve(import.meta.dirname, 'eso-manifests');
const manifests = [
  // The e2e corpus: files marked `unsupported:` in their .expect.yaml are refused on purpose.
  ...readdirSync(compat)
    .filter((f) => f.endsWith('.yaml') && !f.endsWith('.expect.yaml'))
    .filter((f) => !/^unsupported:/m.test(readFileSync(join(compat, f.replace(/\.yaml$/, '.expect.yaml')), 'utf8')))
    .map((f) => join(compat, f)),
  ...readdirSync(own).filter((f) => f.endsWith('.yaml')).map((f) => join(own, f)),
];

async function migrate(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { stdout: '', stderr: '' };
  const io: MigrateIO = {
    readStdin: async () => '',
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    writeFile: () => undefined,
  };
  return { code: await runMigrate([file], io), ...out };
}

const esoObjects = (yaml: string) =>
  parseAllDocuments(yaml)
    .map((d) => d.toJS() as { apiVersion?: string; kind?: string } | null)
    .filter((o): o is { apiVersion: string; kind?: string } => typeof o?.apiVersion === 'string' && /(^|\.)external-secrets\.io\//.test(o.apiVersion));

describe('rotor migrate over AWS manifests ESO accepts', () => {
  it('covers the push kinds and every generator kind Rotor serves', () => {
    const kinds = new Set(manifests.flatMap((f) => esoObjects(readFileSync(f, 'utf8')).map((o) => o.kind)));
    for (const kind of ['SecretStore', 'ClusterSecretStore', 'ExternalSecret', 'ClusterExternalSecret', 'PushSecret', 'ClusterPushSecret', 'ECRAuthorizationToken', 'STSSessionToken', 'Password', 'ClusterGenerator']) {
      expect(kinds).toContain(kind);
    }
  });

  it.each(manifests.map((f) => [f.slice(resolve(import.meta.dirname, '../../..').length + 1), f]))('%s: nothing NOT CONVERTED, no FIELD DROPPED, every ESO object out', async (_name, file) => {
    const { code, stdout, stderr } = await migrate(file);
    const losses = stderr.split('\n').filter((l) => /NOT CONVERTED|FIELD DROPPED/.test(l));
    expect(losses, stderr).toEqual([]);
    expect(code).toBe(EXIT.ok);
    const input = esoObjects(readFileSync(file, 'utf8'));
    // Other objects (ConfigMaps, Secrets) pass through unchanged; every ESO one becomes Rotor's.
    const output = parseAllDocuments(stdout)
      .map((d) => d.toJS() as { apiVersion: string; kind: string })
      .filter((o) => !/^(v1|apps\/v1)$/.test(o.apiVersion));
    expect(output.map((o) => o.kind)).toEqual(input.map((o) => o.kind));
    for (const o of output) expect(o.apiVersion).toMatch(/^(generators\.)?rotor\.dev\/v1alpha1$/);
  });
});
