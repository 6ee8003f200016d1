// The Reloader-style opt-in annotation on workloads (`rotor.dev/reload`). Pure.

/**
 * Secret names listed in a `rotor.dev/reload` annotation value: comma separated, trimmed,
 * empty entries ignored, duplicates dropped, order kept.
 */
export function parseReloadAnnotation(value: string | undefined): string[] {
  if (!value) return [];
  const names = value
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  return [...new Set(names)];
}
