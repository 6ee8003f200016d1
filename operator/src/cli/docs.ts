// Where the `rotor` command finds the docs it prints from: docs/ of the checkout, or of the
// image (the Dockerfile copies docs/iam and docs/troubleshooting.md to /app/docs). One source:
// the commands read the very files the README links, so text and tool cannot disagree.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** docs/ beside operator/: operator/src/cli (tests) and operator/dist/cli (built) are both three levels down. */
export const DOCS_DIR = fileURLToPath(new URL('../../../docs/', import.meta.url));

/** A doc's text, or undefined when this installation does not ship it. */
export function readDoc(relativePath: string, dir: string = DOCS_DIR): string | undefined {
  const path = `${dir.replace(/\/$/, '')}/${relativePath}`;
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to dashes. */
export function anchorOf(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .trim()
    .replace(/\s/g, '-');
}

export interface TroubleshootingEntry {
  reason: string;
  /** The section's text: what the reason means and the commands to run. */
  text: string;
  /** "docs/troubleshooting.md#accessdenied" */
  link: string;
}

/**
 * The docs/troubleshooting.md section of a status reason ("### `AccessDenied`"): every reason
 * the code sets has one (operator/test/docs/troubleshooting.test.ts).
 */
export function troubleshootingEntry(doc: string, reason: string): TroubleshootingEntry | undefined {
  const sections = doc.split(/^### /m).slice(1);
  const section = sections.find((s) => s.startsWith(`\`${reason}\``));
  if (!section) return undefined;
  const heading = section.split('\n', 1)[0]!;
  const body = section.slice(heading.length).split(/^## /m)[0]!.trim();
  return { reason, text: body, link: `docs/troubleshooting.md#${anchorOf(heading)}` };
}
