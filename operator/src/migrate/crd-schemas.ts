// Rotor's API as the CRDs in crds/ define it (the source of truth): `rotor migrate` checks
// every converted object against these schemas, so what it reports is what the API server of
// this release would do. The CRDs ship beside operator/dist in the package and the image.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { StructuralSchema } from './schema-check.js';

export interface RotorKind {
  kind: string;
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  schema: StructuralSchema;
}

/** crds/ of this checkout or image: operator/{src,dist}/migrate -> ../../../crds. */
export const DEFAULT_CRD_DIR = fileURLToPath(new URL('../../../crds/', import.meta.url));

interface CrdDocument {
  kind?: string;
  spec?: {
    group?: string;
    scope?: string;
    names?: { kind?: string; plural?: string };
    versions?: Array<{ name?: string; storage?: boolean; schema?: { openAPIV3Schema?: StructuralSchema } }>;
  };
}

/** Reads every CustomResourceDefinition in dir (YAML files), keyed by kind. */
export function loadRotorKinds(dir: string = DEFAULT_CRD_DIR): Map<string, RotorKind> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  } catch (error) {
    throw new Error(`cannot read Rotor's CRDs in ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); pass --crds DIR`);
  }
  const kinds = new Map<string, RotorKind>();
  for (const file of files) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const crd = doc.toJS() as CrdDocument | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec?.names?.kind) continue;
      const version = crd.spec.versions?.find((v) => v.storage) ?? crd.spec.versions?.[0];
      const schema = version?.schema?.openAPIV3Schema;
      if (!version?.name || !schema || !crd.spec.group || !crd.spec.names.plural) continue;
      kinds.set(crd.spec.names.kind, {
        kind: crd.spec.names.kind,
        group: crd.spec.group,
        version: version.name,
        plural: crd.spec.names.plural,
        namespaced: crd.spec.scope !== 'Cluster',
        schema,
      });
    }
  }
  if (kinds.size === 0) throw new Error(`no CustomResourceDefinitions found in ${dir}; pass --crds DIR`);
  return kinds;
}
