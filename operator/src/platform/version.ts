// The operator's version, for `--version`, the start-up log line and release artifacts. It is
// the `version` of the package.json shipped beside operator/dist (the image copies it to
// /app/package.json); scripts/release.sh stamps the release version there before building.
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' && pkg.version ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export const VERSION = readVersion();
